// Photos and other evidence bytes: resized on the phone, hashed (SHA-256), kept in IndexedDB until
// the server confirms it holds them, uploaded in chunks that resume where the server stopped.
import { api, ApiError } from './api.js';
import { db } from './db.js';
import { emit } from './bus.js';

export const MAX_SIDE = 2048;
// Phone cameras give 3–12 MB; above this a full decode can exhaust a phone's memory, so refuse first.
export const MAX_INPUT_BYTES = 30 * 1024 * 1024;
const CHUNK = 256 * 1024;
const THUMB_SIDE = 192;

export async function sha256Hex(blob) {
  const digest = await crypto.subtle.digest('SHA-256', await blob.arrayBuffer());
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * Camera file → JPEG with the longest side ≤ 2048 px. Throws ApiError with a zh-CN message for files
 * that are not images or too large to decode on a phone; the caller keeps the form as it was.
 */
export async function resizePhoto(file) {
  if (file.size > MAX_INPUT_BYTES) {
    throw new ApiError(413, 'photo-too-large',
      `照片过大（${(file.size / 1048576).toFixed(0)} MB），超过 ${MAX_INPUT_BYTES / 1048576} MB，请降低相机分辨率后重拍`);
  }
  let bitmap;
  try {
    bitmap = await createImageBitmap(file, { imageOrientation: 'from-image' });
  } catch {
    throw new ApiError(415, 'photo-unreadable', '无法读取该照片（不是图片或文件已损坏），请重新拍摄');
  }
  const scale = Math.min(1, MAX_SIDE / Math.max(bitmap.width, bitmap.height));
  const w = Math.round(bitmap.width * scale);
  const hgt = Math.round(bitmap.height * scale);
  const canvas = new OffscreenCanvas(w, hgt);
  canvas.getContext('2d').drawImage(bitmap, 0, 0, w, hgt);
  bitmap.close();
  const blob = await canvas.convertToBlob({ type: 'image/jpeg', quality: 0.85 });
  // A small preview stays with the record after the full photo is on the server and pruned locally.
  const ts = Math.min(1, THUMB_SIDE / Math.max(w, hgt));
  const small = new OffscreenCanvas(Math.round(w * ts), Math.round(hgt * ts));
  small.getContext('2d').drawImage(canvas, 0, 0, small.width, small.height);
  const thumb = await small.convertToBlob({ type: 'image/jpeg', quality: 0.7 });
  return { blob, thumb, width: w, height: hgt, sha256: await sha256Hex(blob) };
}

/** Put the bytes in the `blobs` store inside the caller's transaction (with the mutation). */
export function putBlob(tx, { sha256, blob, mime = 'image/jpeg' }) {
  return tx.objectStore('blobs').put({ sha256, blob, mime, bytes: blob.size, uploaded: 0, sent: 0,
    created_at: new Date().toISOString() });
}

export async function getBlob(sha256) { return db().get('blobs', sha256); }

/** How many bytes the server already holds (HEAD), or the total when complete. */
async function serverState(sha256, total) {
  let resp;
  try {
    resp = await api.blobHead(sha256);
  } catch (e) {
    if (e instanceof ApiError && e.status === 404) return { sent: 0, complete: false };
    throw e;
  }
  // tus-like headers (server/api/blobs.py): Upload-Offset = bytes held, Upload-Complete once verified.
  if (resp.headers.get('Upload-Complete') === 'true') return { sent: total, complete: true };
  const offset = resp.headers.get('Upload-Offset');
  return { sent: offset !== null ? Number(offset) : 0, complete: false };
}

/** Upload one blob resumably; progress goes out as 'blob-progress' {sha256, sent, total}. */
export async function uploadBlob(sha256) {
  const row = await getBlob(sha256);
  if (!row || row.uploaded) return;
  const total = row.blob.size;
  let { sent, complete } = await serverState(sha256, total);
  emit('blob-progress', { sha256, sent, total });
  while (sent < total) {
    const chunk = row.blob.slice(sent, Math.min(total, sent + CHUNK));
    const resp = await api.blobPut(sha256, chunk, sent, total, row.mime);
    complete = resp.headers.get('Upload-Complete') === 'true';
    sent = complete ? total : Number(resp.headers.get('Upload-Offset') ?? sent + chunk.size);
    emit('blob-progress', { sha256, sent, total });
  }
  // Every byte arrived but the verifying answer was lost: the server finishes from what it holds.
  if (!complete) await api.blobFinish(sha256, total);
  // Keep the bytes locally (evidence must survive until its mutation is applied); mark as on server.
  row.uploaded = 1;
  row.sent = total;
  await db().put('blobs', row);
}

/**
 * Drop the full-size bytes once the server has applied the evidence that references them (it verified the
 * hash, and evidence is append-only there): a whole patrol of photos must not fill the phone.
 */
export async function pruneBlob(tx, sha256) {
  const row = await tx.objectStore('blobs').get(sha256);
  if (row && row.uploaded) await tx.objectStore('blobs').delete(sha256);
}
