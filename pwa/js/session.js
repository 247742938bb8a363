// Who is unlocked on this phone. Online login gets tokens; the officer sets a PIN; the tokens are
// stored encrypted with an AES-GCM key derived from the PIN (PBKDF2-SHA256). The password is never
// stored, and the unlocked key lives only in memory: a reload needs the PIN again.
import { api, ApiError, configureAuth } from './api.js';
import { accountsDB, openOfficerDB, closeOfficerDB, wipeOfficerDB, outboxCount, db } from './db.js';
import { emit } from './bus.js';

const ITERATIONS = 310000;     // OWASP 2023 figure for PBKDF2-SHA256
const MAX_PIN_FAILURES = 5;    // then the PIN is disabled until the next online login (data is kept)
const enc = new TextEncoder();
const dec = new TextDecoder();
let current = null;            // {account, key, tokens}

export function currentOfficer() { return current ? current.account : null; }
export function isUnlocked() { return current !== null; }

async function phoneId() {
  const adb = await accountsDB();
  let id = await adb.get('device', 'phone-id');
  if (!id) {
    id = crypto.randomUUID().replaceAll('-', '').slice(0, 20);
    await adb.put('device', id, 'phone-id');
  }
  return id;
}

/** A device id per officer per phone: the server binds a device id to one officer. */
export async function deviceIdFor(username) { return `${await phoneId()}-${username}`.slice(0, 64); }

export function validPin(pin) { return /^\d{6}$/.test(pin || ''); }

async function deriveKey(pin, salt, iterations = ITERATIONS) {
  const base = await crypto.subtle.importKey('raw', enc.encode(pin), 'PBKDF2', false, ['deriveKey']);
  return crypto.subtle.deriveKey({ name: 'PBKDF2', salt, iterations, hash: 'SHA-256' }, base,
    { name: 'AES-GCM', length: 256 }, false, ['encrypt', 'decrypt']);
}

async function seal(key, obj) {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const data = await crypto.subtle.encrypt({ name: 'AES-GCM', iv }, key, enc.encode(JSON.stringify(obj)));
  return { iv, data };
}

async function open(key, sealed) {
  const plain = await crypto.subtle.decrypt({ name: 'AES-GCM', iv: sealed.iv }, key, sealed.data);
  return JSON.parse(dec.decode(plain));
}

function tokenSet(resp) {
  return { access_token: resp.access_token, refresh_token: resp.refresh_token,
    access_expires: Date.now() + (resp.expires_in || 900) * 1000 };
}

export async function listAccounts() { return (await accountsDB()).getAll('accounts'); }

/** Online login. `pin` (6 digits) becomes the offline unlock for this officer on this phone. */
export async function login(username, password, pin) {
  if (!validPin(pin)) throw new ApiError(400, 'pin-invalid', 'PIN 必须是 6 位数字');
  const device_id = await deviceIdFor(username);
  const resp = await api.login(username, password, device_id, navigator.userAgent.slice(0, 120));
  const salt = crypto.getRandomValues(new Uint8Array(16));
  const key = await deriveKey(pin, salt);
  const adb = await accountsDB();
  const previous = await adb.get('accounts', resp.officer_id);  // logging in again keeps the same local data
  const account = { ...(previous || {}), officer_id: resp.officer_id, username, device_id,
    full_name: previous ? previous.full_name : username, salt, iterations: ITERATIONS,
    failures: 0, pin_disabled: false, last_login: new Date().toISOString() };
  // Sealed under the new PIN before any other call, so a token refresh during login finds consistent state.
  current = { account, key, tokens: tokenSet(resp) };
  account.sealed = await seal(key, current.tokens);
  await adb.put('accounts', account);
  let me;
  try {
    me = await api.me();
  } catch (e) {
    current = null;  // not unlocked until the login completes; the sealed tokens allow a PIN unlock later
    throw e;
  }
  account.full_name = me.officer.full_name;
  account.unit_name = me.officer.unit_name;
  account.sealed = await seal(key, current.tokens);  // a refresh inside me() may have rotated them
  await adb.put('accounts', account);
  await openOfficerDB(account.officer_id);
  await db().put('reference', { name: 'me', data: me, fetched_at: new Date().toISOString() });
  emit('session', { state: 'unlocked', account });
  return account;
}

/** Offline unlock with the PIN. Wrong PIN → counted; after MAX failures, online login is required. */
export async function unlock(officerId, pin) {
  const adb = await accountsDB();
  const account = await adb.get('accounts', officerId);
  if (!account) throw new ApiError(404, 'account-unknown', '本机没有该执法人员的登录记录，请联网登录');
  if (account.pin_disabled) {
    throw new ApiError(423, 'pin-disabled', 'PIN 错误次数过多，已停用。请联网用密码登录（本机数据保留）');
  }
  const key = await deriveKey(pin, account.salt, account.iterations);
  let tokens;
  try {
    tokens = await open(key, account.sealed);
  } catch {
    account.failures += 1;
    account.pin_disabled = account.failures >= MAX_PIN_FAILURES;
    await adb.put('accounts', account);
    const left = MAX_PIN_FAILURES - account.failures;
    throw new ApiError(401, 'pin-wrong', left > 0 ? `PIN 错误，还可尝试 ${left} 次` : 'PIN 错误次数过多，已停用，请联网用密码登录');
  }
  if (account.failures) {
    account.failures = 0;
    // A full disk must not lock the officer out of their own data: the reset can wait.
    await adb.put('accounts', account).catch(() => { account.failures = 0; });
  }
  current = { account, key, tokens };
  await openOfficerDB(officerId);
  emit('session', { state: 'unlocked', account });
  return account;
}

export function lock() {
  current = null;
  closeOfficerDB();
  emit('session', { state: 'locked' });
}

async function accessToken() {
  if (!current) return null;
  if (current.tokens.access_expires - Date.now() < 30000) await refreshOrExpire(false);
  return current && current.tokens.access_token;
}

/**
 * Refresh tokens are single-use, so two tabs must not refresh at once: hold a Web Lock and re-read the
 * stored (sealed) tokens inside it — the other tab may already have refreshed them.
 */
export async function refreshTokens(force = false) {
  if (!current) return null;
  const { officer_id } = current.account;
  return navigator.locks.request(`roadside-auth-${officer_id}`, async () => {
    const adb = await accountsDB();
    const account = await adb.get('accounts', officer_id);
    const stored = await open(current.key, account.sealed);
    if (stored.access_token !== current.tokens.access_token && stored.access_expires - Date.now() > 30000) {
      current.tokens = stored;
      return stored;
    }
    if (!force && current.tokens.access_expires - Date.now() > 30000) return current.tokens;
    const tokens = tokenSet(await api.refresh(stored.refresh_token));
    current.tokens = tokens;
    account.sealed = await seal(current.key, tokens);
    await adb.put('accounts', account);
    current.account = account;
    return tokens;
  });
}

/** What would be lost if this officer's local data were wiped now (for the confirmation text). */
export async function unsyncedSummary() {
  const entries = await db().getAll('outbox');
  const names = { 'inspection.create': '检查记录', 'inspection.update': '检查记录修改', 'evidence.attach': '照片/证据',
    'document.issue': '文书', 'patrol.checkin': '巡查签到' };
  const counts = {};
  for (const e of entries) counts[names[e.name] || e.name] = (counts[names[e.name] || e.name] || 0) + 1;
  return { total: entries.length, counts, text: Object.entries(counts).map(([k, v]) => `${k} ${v} 条`).join('、') };
}

/** Wipe this officer's local data. Refuses while the outbox holds entries unless `confirmed`. */
export async function logout({ confirmed = false } = {}) {
  if (!current) return { wiped: false };
  const pending = await outboxCount();
  if (pending > 0 && !confirmed) {
    throw new ApiError(409, 'outbox-not-empty', `还有 ${pending} 条未同步记录，清除将永久丢失`);
  }
  try { await api.logout(); } catch { /* offline or revoked: the local wipe is what matters here */ }
  const { officer_id } = current.account;
  current = null;
  await wipeOfficerDB(officer_id);
  await (await accountsDB()).delete('accounts', officer_id);
  emit('session', { state: 'logged-out' });
  return { wiped: true };
}

// The refresh token itself was refused (expired after 14 days, reused, account disabled): the officer must
// type the password again online. Local data stays; logging in as the same officer reopens it.
const RELOGIN = new Set(['refresh-invalid', 'refresh-reused', 'officer-inactive', 'token-invalid']);

function refreshOrExpire(force) {
  return refreshTokens(force).catch((e) => {
    if (e instanceof ApiError && RELOGIN.has(e.code)) emit('auth-expired', { message: e.message });
    throw e;
  });
}

configureAuth({
  access: accessToken,
  refresh: refreshOrExpire,
  revoked: (err) => emit('device-revoked', { message: err.message }),
});
