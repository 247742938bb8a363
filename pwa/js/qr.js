// QR decoding (BarcodeDetector when present, vendored jsQR otherwise) and OFFLINE verification of
// the signed payload  RS1.<b64url(json)>.<b64url(Ed25519 signature)>  against the cached public key.
const b64u = (s) => Uint8Array.from(atob(s.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - s.length % 4) % 4)),
  (c) => c.charCodeAt(0));

let detector = null;
let jsQR = null;

async function decoder() {
  if ('BarcodeDetector' in self) {
    const formats = await self.BarcodeDetector.getSupportedFormats();
    if (formats.includes('qr_code')) {
      detector ??= new self.BarcodeDetector({ formats: ['qr_code'] });
      return (source) => detector.detect(source).then((codes) => (codes[0] ? codes[0].rawValue : null));
    }
  }
  if (!jsQR) {
    await import('../vendor/jsqr/jsQR.js');  // UMD: sets self.jsQR (loaded only when scanning)
    jsQR = self.jsQR;
  }
  return async (source) => {
    const { width, height } = source;
    const ctx = new OffscreenCanvas(width, height).getContext('2d', { willReadFrequently: true });
    ctx.drawImage(source, 0, 0);
    const found = jsQR(ctx.getImageData(0, 0, width, height).data, width, height, { inversionAttempts: 'dontInvert' });
    return found ? found.data : null;
  };
}

/** Decode one frame (ImageBitmap / canvas / video). */
export async function decodeFrame(source) { return (await decoder())(source); }

/** Decode a photographed QR from a File (fallback when the camera stream is unavailable). */
export async function decodeFile(file) {
  const bitmap = await createImageBitmap(file);
  try { return await decodeFrame(bitmap); } finally { bitmap.close(); }
}

/** The signed token in what the camera read: the token itself, or the public verification URL (…/v/<token>)
 * that an officer's 亮证 screen shows so that a citizen's phone can open it (server/adapters/signing.py). */
export function tokenFromScan(text) {
  let value = (text || '').trim();
  const at = value.lastIndexOf('/v/');
  if (at >= 0) value = value.slice(at + 3).split(/[?#]/)[0];
  return value;
}

export const STATES = {
  valid: { label: '有效', tone: 'ok' },
  expired: { label: '已过期', tone: 'warn' },
  not_yet_valid: { label: '未生效', tone: 'warn' },
  revoked: { label: '已吊销', tone: 'bad' },
  suspended: { label: '已暂停', tone: 'bad' },
  unknown: { label: '未知', tone: 'unknown' },
  invalid: { label: '无效', tone: 'bad' },
};

function todayShanghai() {
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(new Date());
}

/**
 * Verify a scanned token offline. Returns {state, payload, reason}.
 * invalid = not our format or the signature fails (forged/tampered); unknown = we cannot check
 * (no cached key yet); revoked/suspended from the cached revocation list; expired by date.
 */
export async function verifyToken(token, reference) {
  const parts = tokenFromScan(token).split('.');
  if (parts.length !== 3 || parts[0] !== 'RS1') {
    return { state: 'invalid', payload: null, reason: '不是本系统签发的证件二维码' };
  }
  if (!reference || !reference.public_key) {
    return { state: 'unknown', payload: null, reason: '本机尚未缓存验签公钥，请联网后再扫' };
  }
  let payload;
  let ok = false;
  try {
    const key = await crypto.subtle.importKey('raw', b64u(reference.public_key), { name: 'Ed25519' }, false, ['verify']);
    const body = b64u(parts[1]);
    ok = await crypto.subtle.verify({ name: 'Ed25519' }, key, b64u(parts[2]), body);
    if (ok) payload = JSON.parse(new TextDecoder().decode(body));
  } catch {
    ok = false;
  }
  if (!ok) return { state: 'invalid', payload: null, reason: '签名校验失败：二维码可能被伪造或篡改' };
  // Numbers are only unique per kind (a 从业资格证 number is an ID-card number), so match both.
  const revoked = (reference.revocations || []).find((r) => r.number === payload.n && (!r.kind || r.kind === payload.k));
  if (revoked) {
    const state = revoked.status === 'suspended' ? 'suspended' : revoked.status === 'expired' ? 'expired' : 'revoked';
    const listed = reference.generated_at
      ? new Date(reference.generated_at).toLocaleString('zh-CN', { timeZone: 'Asia/Shanghai', hour12: false }) : '未知';
    return { state, payload, reason: `吊销/暂停清单中有此证件（清单更新于 ${listed}）` };
  }
  const today = todayShanghai();
  if (payload.vf && today < payload.vf) return { state: 'not_yet_valid', payload, reason: `${payload.vf} 起生效` };
  if (payload.vu && today > payload.vu) return { state: 'expired', payload, reason: `有效期至 ${payload.vu}` };
  return { state: 'valid', payload, reason: `签名有效，有效期至 ${payload.vu}` };
}

export const KIND_LABELS = { road_transport_cert: '道路运输证', qualification_cert: '从业资格证',
  business_license: '道路运输经营许可证', enforcement_cert: '执法证' };
