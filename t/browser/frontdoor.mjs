// The front door (issue 13) in Debian's headless Chromium: a kiosk that
// forgets, the console's server facts, search, filters, badges, uploads,
// role links, the administration and filing-division pages, security
// headers, framing and next= refused; contrast and target sizes measured
// on every page.  t/392-browser-frontdoor.t starts the server and checks
// the database afterwards.
//
//   node t/browser/frontdoor.mjs BASEURL ARTIFACTS PASSWORD DATA_JSON
//
// Output as t/browser/console.mjs: one JSON object per line; screenshots
// at 390x844 (console, public pages) and 1080x1920 (kiosk) in ARTIFACTS.

import { chromium } from 'playwright-core';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { args, browser, check, launchOptions, out, text } from './harness.mjs';

const [base, artifacts, password, dataJson] = args('frontdoor.mjs BASEURL ARTIFACTS PASSWORD DATA_JSON', 4);
const D = JSON.parse(dataJson);
const data = {};
const origin = new URL(base).origin;
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');
const { ctx, newPage, shot, run, watch } = await browser(base, artifacts);

/*
 * Every visible target at least 44x44 px (a checkbox counts with its
 * label), every visible text at least 4.5:1 against what is behind it
 * (placeholders too; disabled controls are exempt, as in WCAG).
 */
async function audit(p, name) {
  const bad = await p.evaluate(() => {
    const out = [];
    const vis = (el) => {
      const r = el.getBoundingClientRect();
      const s = getComputedStyle(el);
      return r.width > 0 && r.height > 0 && s.visibility !== 'hidden' && s.display !== 'none';
    };
    const desc = (el) => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
      (el.className && typeof el.className === 'string' ? '.' + el.className.trim().split(/\s+/).join('.') : '') +
      ' "' + (el.textContent || el.value || el.placeholder || '').trim().slice(0, 20) + '"';
    for (const el of document.querySelectorAll('a[href], button, input:not([type=hidden]), select, textarea, label.chk')) {
      if (!vis(el)) continue;
      if (el.matches('input[type=checkbox], input[type=radio], input[type=file]') && el.closest('label')) continue;
      if (el.closest('svg')) continue;
      const r = el.getBoundingClientRect();
      if (r.width < 43.5 || r.height < 43.5) out.push(['target', desc(el), Math.round(r.width) + 'x' + Math.round(r.height)]);
    }
    const rgb = (c) => { const m = c.match(/rgba?\(([^)]+)\)/); if (!m) return null; const v = m[1].split(/[ ,\/]+/).filter(Boolean).map(Number); return { r: v[0], g: v[1], b: v[2], a: v.length > 3 ? v[3] : 1 }; };
    const lum = (c) => { const f = (x) => { x /= 255; return x <= 0.03928 ? x / 12.92 : Math.pow((x + 0.055) / 1.055, 2.4); }; return 0.2126 * f(c.r) + 0.7152 * f(c.g) + 0.0722 * f(c.b); };
    const bg = (el) => {
      const layers = [];
      for (let e = el; e; e = e.parentElement) {
        const c = rgb(getComputedStyle(e).backgroundColor);
        if (c && c.a > 0) { layers.push(c); if (c.a >= 1) break; }
      }
      let acc = { r: 255, g: 255, b: 255 };
      for (const c of layers.reverse()) acc = { r: c.r * c.a + acc.r * (1 - c.a), g: c.g * c.a + acc.g * (1 - c.a), b: c.b * c.a + acc.b * (1 - c.a) };
      return acc;
    };
    const ratio = (fg, b) => { const x = lum(fg), y = lum(b); return (Math.max(x, y) + 0.05) / (Math.min(x, y) + 0.05); };
    const els = document.querySelectorAll('body *');
    for (const el of els) {
      if (!vis(el) || el.closest('svg') || el.closest(':disabled')) continue;
      const own = Array.from(el.childNodes).some((n) => n.nodeType === 3 && n.textContent.trim());
      const field = el.matches('input:not([type=checkbox]):not([type=file]), textarea, select');
      if (own || (field && (el.value || el.textContent.trim()))) {
        const fg = rgb(getComputedStyle(el).color);
        const k = ratio(fg, bg(el));
        if (k < 4.5) out.push(['contrast', desc(el), k.toFixed(2)]);
      }
      if (el.matches('input[placeholder], textarea[placeholder]') && !el.value) {
        const fg = rgb(getComputedStyle(el, '::placeholder').color);
        const k = fg ? ratio(fg, bg(el)) : 21;
        if (k < 4.5) out.push(['placeholder', desc(el), k.toFixed(2)]);
      }
    }
    return out;
  });
  check(`${name}: every target at least 44x44, every text at least 4.5:1`, bad.length === 0, bad.slice(0, 8));
  data.audited = (data.audited || 0) + 1;
}

async function login(p, username, next) {
  await p.goto(base + '/staff/login.html' + (next ? '?next=' + next : ''));
  await p.fill('#username', username);
  await p.fill('#password', password);
  await Promise.all([p.waitForURL((u) => !u.pathname.endsWith('login.html')), p.click('#login')]);
}
async function worklistReady(p) {
  await p.waitForFunction(() => document.querySelector('#list').getAttribute('aria-busy') === 'false');
}

await run(async () => {
  // ---- security headers on every page, framing and next= refused ----
  const pages = ['/', '/submit.html', '/status.html', '/liaisons.html', '/staff/login.html',
    '/staff/', '/staff/ticket.html', '/staff/leader.html', '/staff/admin.html',
    '/staff/filing.html', '/staff/bulletin.html'];
  const headerBad = [];
  for (const u of pages) {
    const r = await ctx.request.get(base + u);
    const h = r.headers();
    const csp = h['content-security-policy'] || '';
    const scripts = (csp.match(/script-src ([^;]*)/) || [])[1] || '';
    if (r.status() !== 200 || !/frame-ancestors 'none'/.test(csp) || scripts.trim() !== "'self'"
        || !/default-src 'none'/.test(csp) || h['x-frame-options'] !== 'DENY'
        || h['referrer-policy'] !== 'no-referrer' || h['x-content-type-options'] !== 'nosniff') {
      headerBad.push(u + ' ' + r.status() + ' ' + csp + ' ' + h['x-frame-options']);
    }
  }
  check('every page: a strict CSP (no inline script, no framing), X-Frame-Options, Referrer-Policy', headerBad.length === 0, headerBad);
  // not even the pages' own HTML has an inline script (the CSP would stop it)
  let inline = [];
  for (const u of pages) {
    const body = await (await ctx.request.get(base + u)).text();
    if (/<script(?![^>]*\bsrc=)[^>]*>/i.test(body) || /\son[a-z]+=/i.test(body) || /\sstyle=/i.test(body)) inline.push(u);
  }
  check('no inline script, handler or style attribute in any page', inline.length === 0, inline);

  // another site frames the login page: Chromium refuses it, and says so
  let p = await ctx.newPage();
  const refused = [];
  p.on('console', (m) => { if (/frame-ancestors 'none'/.test(m.text())) refused.push(m.text()); });
  // setContent waits for the load event, the frame's included
  await p.setContent(`<iframe id="fr" src="${base}/staff/login.html" width="300" height="300"></iframe>`);
  const framed = p.frames().filter((f) => f !== p.mainFrame()).map((f) => f.url());
  let framedForm = 0;
  for (const f of p.frames()) {
    if (f === p.mainFrame()) continue;
    try { framedForm += await f.locator('#username').count(); } catch {}
  }
  check('the console cannot be framed by another site', framedForm === 0 && refused.length === 1, { framed, framedForm, refused });
  await p.close();

  const evil = ['/\\evil.example/', '/%09/evil.example', '//evil.example', 'https://evil.example/',
    '/%2F%2Fevil.example', 'javascript:alert(1)', '/staff/..%2F..%2F%5Cevil.example'];
  const left = [];
  for (const n of evil) {
    p = await newPage();
    await login(p, 'platform', encodeURIComponent(n));
    await p.waitForLoadState();
    const u = new URL(p.url());
    if (u.origin !== origin || !u.pathname.startsWith('/staff/')) left.push(n + ' -> ' + p.url());
    await p.close();
  }
  check('login: next= that would leave the site is refused (' + evil.length + ' forms)', left.length === 0, left);
  p = await newPage();
  await login(p, 'platform', encodeURIComponent('/staff/ticket.html?no=' + D.t1));
  check('login: a same-origin next= is followed', p.url() === base + '/staff/ticket.html?no=' + D.t1, p.url());
  await p.close();

  // ---- the kiosk at 1080x1920: a visitor after another sees nothing ----
  const kbrowser = await chromium.launch(launchOptions);
  const kctx = await kbrowser.newContext({ viewport: { width: 1080, height: 1920 },
    deviceScaleFactor: 1, hasTouch: true, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' });
  kctx.setDefaultTimeout(15000);
  watch(kctx);
  let k = await newPage(kctx);
  await k.goto(base + '/?kiosk=1');
  await k.locator('footer span[data-court]').first().waitFor();
  await k.waitForFunction(() => document.querySelector('footer [data-court]').textContent !== '');
  check('kiosk: no way to the staff login', (await k.locator('a[href*="/staff/"]').count()) === 0);
  check('the court\'s name from the configuration', (await text(k, 'footer')).includes(D.court), await text(k, 'footer'));
  check('kiosk: large type', await k.evaluate(() => parseFloat(getComputedStyle(document.body).fontSize) >= 24));
  await shot(k, 'kiosk-01-home');
  await audit(k, 'kiosk home');
  await k.click('#go-submit');
  await k.waitForURL(/submit\.html\?kiosk=1/);
  await k.locator('#category option').nth(3).waitFor({ state: 'attached' });
  check('kiosk: the privacy notice by the name and phone', (await text(k, '#privacy')).includes('个人信息'));
  const colWidth = await k.evaluate(() => document.querySelector('#f').getBoundingClientRect().width);
  check('kiosk: the form uses the portrait screen (not a 640 px column)', colWidth >= 900, colWidth);
  await k.selectOption('#category', 'consultation');
  const secret = '关于执行款到账的咨询（一体机访客甲）';
  await k.fill('#content', secret);
  await k.fill('#name', '甲访客');
  await k.fill('#phone', '13912345678');
  await shot(k, 'kiosk-02-form');
  await audit(k, 'kiosk form');
  await k.click('#submit');
  await k.locator('#done:not([hidden])').waitFor();
  const aNo = await text(k, '#r-no'), aCode = await text(k, '#r-code');
  data.kiosk_no = aNo;
  check('kiosk: the number and code are shown', /^\d{13}$/.test(aNo) && /^[2-9A-Z]{10}$/.test(aCode), aNo + ' ' + aCode);
  const qrUrl = await k.getAttribute('#r-qr', 'data-url');
  check('kiosk: a QR code of the status page (the code after #, out of the logs)',
    (await k.locator('#r-qr svg path').count()) === 1 && qrUrl === base + '/status.html?no=' + aNo + '#code=' + aCode, qrUrl);
  await shot(k, 'kiosk-03-slip');
  await audit(k, 'kiosk slip');
  const qrPng = join(artifacts, 'kiosk-qr.png');
  await k.locator('#r-qr').screenshot({ path: qrPng });
  let decoded = null;
  if (existsSync('/usr/bin/zbarimg')) {
    try { decoded = execFileSync('/usr/bin/zbarimg', ['-q', '--raw', qrPng], { stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim(); } catch (e) { decoded = 'zbarimg failed: ' + e; }
    check('kiosk: the QR code reads back as the status page (zbarimg)', decoded === qrUrl, decoded);
  }
  await k.emulateMedia({ media: 'print' });
  const printed = await k.evaluate(() => ({ bar: getComputedStyle(document.querySelector('header.bar')).display,
    slip: getComputedStyle(document.querySelector('#done')).display, buttons: getComputedStyle(document.querySelector('#r-print').parentNode).display }));
  check('kiosk: the slip prints alone (header and buttons hidden)', printed.bar === 'none' && printed.slip !== 'none' && printed.buttons === 'none', printed);
  await shot(k, 'kiosk-04-print');
  await k.emulateMedia({ media: 'screen' });
  await Promise.all([k.waitForURL(base + '/?kiosk=1'), k.click('#r-finish')]);
  const stored = await k.evaluate(() => sessionStorage.length + localStorage.length);
  check('kiosk: nothing of the visitor stored', stored === 0, stored);
  // the next visitor
  await k.click('#go-status');
  await k.waitForURL(/status\.html\?kiosk=1/);
  await k.locator('#f').waitFor();
  await k.waitForFunction(() => document.body.classList.contains('kiosk'));
  const seen = await k.evaluate(() => document.body.innerText);
  check('kiosk: the next visitor sees no number, code or text of the last',
    (await k.inputValue('#no')) === '' && (await k.inputValue('#code')) === '' &&
    !seen.includes(aNo) && !seen.includes(aCode) && !seen.includes(secret) && await k.locator('#result').isHidden(), seen.slice(0, 200));
  await shot(k, 'kiosk-05-next-visitor');
  await audit(k, 'kiosk status');
  // ... nor by going back in the history
  await k.goBack();
  await k.waitForLoadState();
  await k.waitForURL(/kiosk=1/);
  const back = await k.evaluate(() => document.body.innerText);
  check('kiosk: going back shows nothing of the last visitor either', !back.includes(aNo) && !back.includes(aCode), k.url());
  await k.close();

  // idle: a minute without a touch returns to the start
  k = await newPage(kctx);
  await k.clock.install();
  await k.goto(base + '/submit.html?kiosk=1');
  await k.locator('#category option').nth(2).waitFor({ state: 'attached' });
  await k.fill('#content', '写到一半就离开了');
  await k.clock.runFor(51000);
  await k.locator('.idle:not([hidden])').waitFor();
  check('kiosk: a warning 10 s before the reset', (await text(k, '.idle')).includes('返回首页'));
  await Promise.all([k.waitForURL(base + '/?kiosk=1'), k.clock.runFor(10000)]);
  check('kiosk: after about 60 s idle, back to the start', k.url() === base + '/?kiosk=1', k.url());
  await k.close();
  await kctx.close();
  await kbrowser.close();

  // ---- public pages at 390x844 ----
  p = await newPage();
  await p.goto(base + '/');
  await p.waitForFunction(() => document.querySelector('footer [data-court]').textContent !== '');
  check('public home: the staff login is offered off the kiosk', (await p.locator('#go-staff').count()) === 1);
  await shot(p, 'public-01-home');
  await audit(p, 'home');
  await p.goto(base + '/submit.html');
  await p.locator('#category option').nth(2).waitFor({ state: 'attached' });
  await p.click('#submit');
  await p.locator('#content[aria-invalid=true]').waitFor();
  check('submit: the error at the field', (await text(p, '#content-err')) === '请填写诉求内容', await text(p, '#content-err'));
  await shot(p, 'public-02-field-error');
  await audit(p, 'submit form');
  await p.goto(base + '/status.html?no=' + D.t2 + '#code=' + D.t2_code);
  await p.locator('#result:not([hidden])').waitFor();
  check('status: the code from the QR is taken out of the address bar', !p.url().includes('#'), p.url());
  await p.setInputFiles('#u-file', { name: '补充证据.png', mimeType: 'image/png', buffer: PNG });
  await p.click('#u-go');
  await p.waitForFunction(() => document.querySelector('#umsg').textContent.includes('已上传'));
  await p.locator('#t-atts li').first().waitFor();
  check('status page: an upload with the query code lands', (await text(p, '#t-atts')).includes('补充证据.png'), await text(p, '#t-atts'));
  check('status page: the timeline says what was attached, in Chinese', (await text(p, '#t-timeline')).includes('上传附件'), await text(p, '#t-timeline'));
  await p.click('#t-atts .a-view');
  await p.locator('#t-atts img').waitFor();
  check('status page: the image viewed', (await p.locator('#t-atts img').evaluate((i) => i.naturalWidth)) === 1);
  await shot(p, 'public-03-status-attachments', true);
  await audit(p, 'status');
  await p.goto(base + '/liaisons.html');
  await p.waitForFunction(() => document.querySelector('#msg').textContent !== '正在加载……');
  await shot(p, 'public-04-liaisons');
  await audit(p, 'liaisons');

  // the mini-program's wx.uploadFile: multipart/form-data with a litigant token
  const mp = await p.evaluate(async ({ no, token, png }) => {
    const bytes = Uint8Array.from(atob(png), (c) => c.charCodeAt(0));
    const fd = new FormData();
    fd.append('file', new Blob([bytes], { type: 'application/octet-stream' }), 'wxfile_tmp_1.png');
    const r = await fetch('/api/v1/tickets/' + no + '/attachments', { method: 'POST', headers: { Authorization: 'Bearer ' + token }, body: fd });
    return { status: r.status, json: await r.json() };
  }, { no: D.lit_no, token: D.lit_token, png: PNG.toString('base64') });
  check('a multipart/form-data upload from a litigant token lands', mp.status === 201 && mp.json.content_type === 'image/png'
    && mp.json.filename === 'wxfile_tmp_1.png', mp);
  data.lit_attachment = mp.json.id;
  await p.close();

  // ---- the console ----
  p = await newPage();
  await login(p, 'platform');
  await worklistReady(p);
  await audit(p, 'worklist');
  const first = await p.locator('#list li').first().getAttribute('data-no');
  check('worklist: the risky ticket first', first === D.t1, first);
  const card = p.locator(`#list li[data-no="${D.t1}"]`);
  check('worklist: the risk badge', (await card.locator('.b-risk').count()) === 1, await card.textContent());
  check('worklist: the supervision badge', (await card.locator('.b-sup').count()) === 1);
  check('worklist: every filter of the API', (await p.locator('#f-status, #f-track, #f-overdue, #f-escalated, #f-risk, #f-mine, #f-all, #q').count()) === 8);
  await shot(p, 'staff-01-worklist');
  await p.fill('#q', D.phone);
  await p.click('#q-go');
  await p.waitForFunction((n) => document.querySelector('#list').getAttribute('aria-busy') === 'false'
    && document.querySelectorAll('#list li').length === 1 && document.querySelector('#list li').dataset.no === n, D.t2);
  check('search: by phone', (await p.locator('#list li').count()) === 1, await text(p, '#list'));
  await shot(p, 'staff-02-search-phone');
  await p.fill('#q', '');
  await p.check('#f-all');
  await worklistReady(p);
  await p.check('#f-risk');
  await worklistReady(p);
  const risky = await p.locator('#list li').evaluateAll((ls) => ls.map((l) => l.dataset.no));
  check('filter: risk only', risky.length >= 1 && risky.every((n) => n === D.t1 || D.risky.includes(n)), risky);
  await p.uncheck('#f-risk');
  await p.uncheck('#f-all');
  await worklistReady(p);
  // the pager waits while a page loads
  let release;
  const held = new Promise((r) => { release = r; });
  await p.route('**/api/v1/staff/tickets?*', async (route) => { await held; await route.continue(); });
  await p.selectOption('#f-track', 'ordinary');
  await p.waitForFunction(() => document.querySelector('#list').getAttribute('aria-busy') === 'true');
  const disabled = await p.evaluate(() => [document.querySelector('#next').disabled, document.querySelector('#prev').disabled, document.querySelector('#f-status').disabled]);
  check('loading: the pager and filters wait', disabled.every(Boolean), disabled);
  release();
  await worklistReady(p);
  await p.unroute('**/api/v1/staff/tickets?*');
  // a network failure offers a retry
  let failOnce = true;
  await p.route('**/api/v1/staff/tickets?*', (route) => { if (failOnce) { failOnce = false; return route.abort('internetdisconnected'); } return route.continue(); });
  await p.selectOption('#f-track', '');
  await p.locator('#msg .retry').waitFor();
  check('network failure: a message and a retry', (await text(p, '#msg')).includes('网络'), await text(p, '#msg'));
  await shot(p, 'staff-03-retry');
  await p.click('#msg .retry');
  await worklistReady(p);
  check('retry: the list is back', (await p.locator('#list li').count()) > 0);
  await p.unroute('**/api/v1/staff/tickets?*');
  await p.close();

  // a ticket opened directly (no worklist row cached): the server's facts
  p = await newPage();
  await login(p, 'platform', encodeURIComponent('/staff/ticket.html?no=' + D.t1));
  await p.locator('#view:not([hidden])').waitFor();
  check('a directly opened ticket shows its assignee', (await text(p, '#t-handler')) === D.assignee, await text(p, '#t-handler'));
  check('... its department', (await text(p, '#t-dept')) === '民事审判庭', await text(p, '#t-dept'));
  check('... the risk and supervision badges in its header', (await p.locator('#badges .b-risk').count()) === 1 && (await p.locator('#badges .b-sup').count()) === 1,
    await text(p, '#badges'));
  check('... the escalation', (await text(p, '#t-esc')).includes('分管院领导'), await text(p, '#t-esc'));
  const tl = await text(p, '#timeline');
  check('... the timeline in Chinese with who did what', tl.includes('派单') && tl.includes('陈晓燕') && tl.includes('风险预警') && !/\b(dispatched|risk_raised)\b/.test(tl), tl);
  await shot(p, 'staff-04-ticket-direct');
  await audit(p, 'ticket');
  await p.click('#a-notes');
  await p.locator('#p-notes.on').waitFor();
  await p.click('#p-notes button[type=submit]');
  await p.locator('#note-text[aria-invalid=true]').waitFor();
  check('ticket: a field-level error', (await text(p, '#note-text-err')) === '请填写备注内容', await text(p, '#note-text-err'));
  await audit(p, 'ticket with a panel open');
  await p.setInputFiles('#u-file', { name: '调查笔录.png', mimeType: 'image/png', buffer: PNG });
  await p.selectOption('#u-purpose', 'material');
  await p.click('#u-go');
  await p.waitForFunction(() => document.querySelector('#umsg').textContent.includes('已上传'));
  check('an upload from the console lands', (await text(p, '#atts')).includes('调查笔录.png'), await text(p, '#atts'));
  check('... and the timeline says so', (await p.locator('#timeline li[data-type=attachment]').count()) >= 1);
  const [dl] = await Promise.all([p.waitForEvent('download'), p.locator('#atts li', { hasText: '调查笔录.png' }).locator('.a-get').click()]);
  check('... downloaded with its name', dl.suggestedFilename() === '调查笔录.png', dl.suggestedFilename());
  await p.locator('#atts').scrollIntoViewIfNeeded();
  await shot(p, 'staff-05-ticket-attachments');
  const nav = await text(p, '#nav');
  check('platform staff: worklist and leader view links', nav.includes('工作台') && nav.includes('领导视图') && !nav.includes('系统管理'), nav);
  await p.goto(base + '/staff/leader.html');
  await p.waitForFunction(() => document.querySelector('#asof').textContent !== '');
  await shot(p, 'staff-06-leader');
  await audit(p, 'leader');
  await p.close();

  // links by role
  p = await newPage();
  await login(p, 'judge1');
  await worklistReady(p);
  let n = await text(p, '#nav');
  check('a judge: no leader view link', n.includes('工作台') && !n.includes('领导视图') && !n.includes('系统管理'), n);
  await p.close();

  p = await newPage();
  await login(p, 'admin');
  await p.waitForURL(/admin\.html/);
  await p.locator('#accounts li').first().waitFor();
  n = await text(p, '#nav');
  check('sys_admin: lands on administration, no empty workbench', n.includes('系统管理') && !n.includes('工作台') && !n.includes('领导视图'), n);
  await shot(p, 'admin-01-accounts');
  await audit(p, 'admin');
  // a WeCom id for a judge
  const acc = p.locator('#accounts li[data-user="judge2"]');
  await acc.locator('summary').click();
  await acc.locator('input[name=wecom_userid]').fill('WangLiHua');
  await acc.locator('button[type=submit]').click();
  await acc.locator('.msg.ok').waitFor();
  // a new account, with a field-level error first
  await p.fill('#a-username', 'clerk9');
  await p.fill('#a-name', '新书记员');
  await p.selectOption('#a-role', 'dept_staff');
  await p.fill('#a-pw', 'short');
  await p.click('#a-new button[type=submit]');
  await p.locator('#a-dept[aria-invalid=true]').waitFor();
  check('admin: a field-level error (the department)', (await text(p, '#a-dept-err')).includes('部门'), await text(p, '#a-dept-err'));
  await p.selectOption('#a-dept', { label: '刑事审判庭' });
  await p.click('#a-new button[type=submit]');
  await p.locator('#a-pw[aria-invalid=true]').waitFor();
  await p.fill('#a-pw', 'Clerk9-pass-2026');
  await p.fill('#a-wecom', 'XinShuJiYuan');
  await p.click('#a-new button[type=submit]');
  await p.locator('#a-new .msg.ok').waitFor();
  // the civil division's leader
  const dep = p.locator('#depts li[data-code="criminal"]');
  await dep.locator('summary').click();
  await dep.locator('select[name=leader_staff_id]').selectOption({ label: '孙倩（部门承办人）' });
  await dep.locator('button[type=submit]').click();
  await dep.locator('.msg.ok').waitFor();
  await p.fill('#c-title', '立案材料清单');
  await p.fill('#c-body', '立案须提交起诉状、身份证明和证据材料，详见诉讼服务中心公告。');
  await p.click('#c-new button[type=submit]');
  await p.locator('#c-new .msg.ok').waitFor();
  await p.locator('#canned-card').scrollIntoViewIfNeeded();
  await shot(p, 'admin-02-canned');
  await p.close();

  // the case-filing division: the liaison directory and risks
  p = await newPage();
  await login(p, 'filing');
  n = await text(p, '#nav');
  check('filing division: its pages linked', n.includes('联络员与风险') && n.includes('常用答复') && n.includes('领导视图'), n);
  await p.goto(base + '/staff/filing.html');
  await p.locator('#risks li').first().waitFor();
  await p.locator('#dir li').first().waitFor();
  await shot(p, 'filing-01');
  await audit(p, 'filing');
  await p.selectOption('#l-dept', { label: '刑事审判庭' });
  await p.fill('#l-name', '周婷');
  await p.fill('#l-title', '书记员');
  await p.fill('#l-office', '020-84689999');
  await p.fill('#l-mobile', '13800138077');
  await p.click('#l-go');
  await p.waitForFunction(() => document.querySelector('#lmsg').textContent.includes('已登记'));
  await p.waitForFunction(() => document.querySelector('#dir').textContent.includes('周婷'));
  const adv = p.locator('#risks li').first();
  await adv.locator('button[type=submit]').click();
  await adv.locator('.r-note[aria-invalid=true]').waitFor();
  await adv.locator('.r-note').fill('已电话联系当事人（浏览器测试）');
  await adv.locator('button[type=submit]').click();
  await p.waitForFunction(() => document.querySelector('#rmsg').textContent.includes('已推进'));
  check('filing division: a risk advanced', true);
  await shot(p, 'filing-02-done', true);
  await p.close();

  p = await newPage();
  await p.goto(base + '/staff/login.html');
  await p.waitForFunction(() => document.querySelector('[data-court]').textContent !== '');
  await shot(p, 'staff-00-login');
  await audit(p, 'login');
  await p.close();

  out({ data });
});
