// The ONE module that talks to the network. Everything else calls these functions.
// Errors come back as ApiError with the server's stable `code` and zh-CN `message`.

export class ApiError extends Error {
  constructor(status, code, message, details = {}, retryAfter = null) {
    super(message);
    this.status = status;
    this.code = code;
    this.details = details;
    this.retryAfter = retryAfter;
  }
}

export const OFFLINE = 'offline';

let auth = { access: () => null, refresh: async () => null, revoked: () => {} };

/** session.js plugs in how to get/refresh the access token and what to do on device revoke. */
export function configureAuth(hooks) { auth = { ...auth, ...hooks }; }

export function isOnline() { return navigator.onLine !== false; }

async function parseError(resp) {
  let body = null;
  try { body = await resp.json(); } catch { /* not JSON (proxy page, etc.) */ }
  const err = body && body.error;
  const retry = resp.headers.get('Retry-After');
  return new ApiError(resp.status, err ? err.code : `http-${resp.status}`,
    err ? err.message : `服务器返回错误（HTTP ${resp.status}）`, err ? err.details || {} : {},
    retry ? Number(retry) : null);
}

/**
 * fetch with the bearer token; on `token-expired` refreshes once and retries; `device-revoked`
 * is reported to the session (which keeps the outbox) and rethrown.
 */
export async function request(path, { method = 'GET', json, body, headers = {}, authed = true, raw = false, signal } = {}) {
  if (!isOnline()) throw new ApiError(0, OFFLINE, '当前离线，已保存在本机，联网后自动同步');
  const send = async () => {
    const h = { ...headers };
    if (authed) {
      const token = await auth.access();
      if (token) h.Authorization = `Bearer ${token}`;
    }
    let payload = body;
    if (json !== undefined) { h['Content-Type'] = 'application/json'; payload = JSON.stringify(json); }
    try {
      return await fetch(path, { method, headers: h, body: payload, signal, cache: 'no-store' });
    } catch (e) {
      if (e.name === 'AbortError') throw e;
      throw new ApiError(0, OFFLINE, '网络不可用，已保存在本机，联网后自动同步');
    }
  };
  let resp = await send();
  if (resp.status === 401 && authed) {
    const err = await parseError(resp);
    if (err.code === 'device-revoked') { auth.revoked(err); throw err; }
    if (err.code === 'token-expired' || err.code === 'token-invalid') {
      await auth.refresh(true);
      resp = await send();
    } else {
      throw err;
    }
  }
  if (!resp.ok) {
    const err = await parseError(resp);
    if (err.code === 'device-revoked') auth.revoked(err);
    throw err;
  }
  if (raw) return resp;
  if (resp.status === 204) return null;
  const type = resp.headers.get('Content-Type') || '';
  return type.includes('json') ? resp.json() : resp.text();
}

export const api = {
  login: (username, password, device_id, device_name) =>
    request('/api/auth/login', { method: 'POST', json: { username, password, device_id, device_name }, authed: false }),
  refresh: (refresh_token) =>
    request('/api/auth/refresh', { method: 'POST', json: { refresh_token }, authed: false }),
  logout: () => request('/api/auth/logout', { method: 'POST' }),
  me: () => request('/api/me'),
  reference: () => request('/api/reference'),
  credential: (number) => request(`/api/lookup/credentials/${encodeURIComponent(number)}`),
  officerCertificate: (number) => request(`/api/lookup/officer-certificates/${encodeURIComponent(number)}`),
  vehicles: (plate) => request(`/api/lookup/vehicles?plate=${encodeURIComponent(plate)}`),
  scan: (qr) => request('/api/lookup/scan', { method: 'POST', json: { qr } }),
  push: (client_id, mutations) => request('/api/sync/push', { method: 'POST', json: { client_id, mutations } }),
  pull: (cookie) => request(`/api/sync/pull?cookie=${encodeURIComponent(cookie ?? 0)}`),
  conflicts: () => request('/api/conflicts'),
  resolveConflict: (id, resolution, value) =>
    request(`/api/conflicts/${encodeURIComponent(id)}/resolve`, {
      method: 'POST', json: value === undefined ? { resolution } : { resolution, value } }),
  blobHead: (sha256) => request(`/api/blobs/${sha256}`, { method: 'HEAD', raw: true }),
  blobPut: (sha256, chunk, start, total, mime) => request(`/api/blobs/${sha256}`, {
    method: 'PUT', body: chunk, raw: true,
    headers: { 'Content-Type': mime || 'application/octet-stream',
      'Content-Range': `bytes ${start}-${start + chunk.size - 1}/${total}` } }),
  /** All bytes are on the server but not yet verified (e.g. the last answer was lost): ask it to finish. */
  blobFinish: (sha256, total) => request(`/api/blobs/${sha256}`, {
    method: 'PUT', raw: true, headers: { 'Content-Range': `bytes */${total}` } }),
};
