// 登录 / 解锁: online password login (sets the PIN), or offline unlock of an officer already on this phone.
import { registerView, navigate } from '../router.js';
import { h, field, toast } from '../ui.js';
import * as session from '../session.js';
import { refreshReference } from '../reference.js';
import { isOnline } from '../api.js';

async function afterUnlock() {
  if (isOnline()) await refreshReference().catch((e) => toast(`参考数据未更新：${e.message}`, 'warn'));
  navigate('today');
}

function unlockCard(account) {
  const pin = h('input', { type: 'password', inputmode: 'numeric', autocomplete: 'off', maxlength: 6,
    pattern: '\\d{6}', name: 'pin', placeholder: '6 位 PIN', 'aria-label': `${account.full_name} 的 PIN` });
  const msg = h('p', { class: 'error', role: 'alert' });
  const form = h('form', { class: 'card unlock', dataset: { officer: account.username } },
    h('div', { class: 'card-title' }, `${account.full_name}（${account.username}）`),
    h('div', { class: 'muted' }, account.unit_name || ''),
    pin, h('button', { class: 'btn btn-primary btn-big', type: 'submit' }, '解锁'), msg);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    msg.textContent = '';
    try {
      await session.unlock(account.officer_id, pin.value);
      await afterUnlock();
    } catch (err) {
      msg.textContent = err.message;
      pin.value = '';
    }
  });
  return form;
}

function loginForm() {
  const username = h('input', { name: 'username', autocomplete: 'username', required: true, autocapitalize: 'off' });
  const password = h('input', { name: 'password', type: 'password', autocomplete: 'current-password', required: true });
  const pin = h('input', { name: 'new-pin', type: 'password', inputmode: 'numeric', maxlength: 6, required: true, autocomplete: 'off' });
  const pin2 = h('input', { name: 'new-pin2', type: 'password', inputmode: 'numeric', maxlength: 6, required: true, autocomplete: 'off' });
  const msg = h('p', { class: 'error', role: 'alert' });
  const button = h('button', { class: 'btn btn-primary btn-big', type: 'submit' }, '登录');
  const form = h('form', { class: 'card login' },
    h('div', { class: 'card-title' }, '账号登录（需联网）'),
    field('用户名', username), field('密码', password),
    field('设置 PIN', pin, '6 位数字，用于离线时解锁本机数据；不保存密码'), field('再次输入 PIN', pin2),
    button, msg);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    msg.textContent = '';
    if (!isOnline()) { msg.textContent = '当前离线：首次登录需要联网；已登录过的账号可用 PIN 解锁'; return; }
    if (!session.validPin(pin.value)) { msg.textContent = 'PIN 必须是 6 位数字'; return; }
    if (pin.value !== pin2.value) { msg.textContent = '两次输入的 PIN 不一致'; return; }
    button.disabled = true;
    button.textContent = '正在登录…';
    try {
      await session.login(username.value.trim(), password.value, pin.value);
      password.value = '';
      await afterUnlock();
    } catch (err) {
      msg.textContent = err.message;
    } finally {
      button.disabled = false;
      button.textContent = '登录';
    }
  });
  return form;
}

registerView('login', {
  title: '登录', public: true,
  async render(el) {
    if (session.isUnlocked()) { navigate('today'); return; }
    const accounts = await session.listAccounts();
    el.append(h('h1', {}, '交通运输综合执法'));
    if (accounts.length) {
      el.append(h('h2', {}, '本机已登录的执法人员'), ...accounts.map(unlockCard),
        h('details', { class: 'other-login' }, h('summary', {}, '其他账号登录'), loginForm()));
    } else {
      el.append(loginForm());
    }
  },
});
