// Stored XSS in Chromium (t/837-security-xss.t files the payloads first):
// every page that shows litigant-supplied text, opened twice.
//
//   node t/browser/xss.mjs BASEURL ARTIFACTS SPEC.json
//
// SPEC: {ticket_no, query_code, hall_no, password, content, name, message,
// filename, reply, hall_content}.  Each payload calls __xss(n), alert()
// or sets window.__pwned when it runs.  Run 1 ignores the CSP, so only
// the pages' escaping stands between a payload and its execution; run 2
// is the pages as served: rendering the payloads must cause no CSP
// violation, and an inline script planted in the page must be refused.

import { readFileSync } from 'node:fs';
import { args, browser, check, text } from './harness.mjs';

const [base, artifacts, specFile] = args('xss.mjs BASEURL ARTIFACTS SPEC.json', 3);
const S = JSON.parse(readFileSync(specFile, 'utf8'));
const dialogs = [];

// before the page's own scripts: the payloads' target and a CSP watch
function probe() {
  window.__xssHits = [];
  window.__xss = function (n) { window.__xssHits.push(n); };
  window.__csp = [];
  document.addEventListener('securitypolicyviolation', function (e) {
    window.__csp.push(e.effectiveDirective + ' ' + (e.sample || e.blockedURI || ''));
  });
}

// markup that can run script, anywhere in the document
function scan() {
  const bad = [];
  for (const el of document.querySelectorAll('*')) {
    for (const a of el.attributes) {
      if (/^on/i.test(a.name)) bad.push(el.tagName + '[' + a.name + ']');
      if (/^\s*javascript:/i.test(a.value)) bad.push(el.tagName + '[' + a.name + '=' + a.value + ']');
      if (a.name === 'srcdoc') bad.push(el.tagName + '[srcdoc]');
    }
    if (el.tagName === 'SCRIPT' && !el.getAttribute('src')) bad.push('inline SCRIPT');
    if (['IFRAME', 'OBJECT', 'EMBED'].includes(el.tagName)) bad.push(el.tagName);
    if (el.tagName === 'svg' && !el.closest('.qr')) bad.push('svg');
    if (el.tagName === 'IMG' && el.getAttribute('src') === 'x') bad.push('IMG[src=x]');
  }
  return bad;
}

async function page(b) {
  const p = await b.newPage();
  p.on('dialog', (d) => { dialogs.push(d.message()); d.dismiss().catch(() => {}); });
  return p;
}

// nothing ran, nothing became markup; with the CSP on, nothing refused
async function clean(p, where, csp) {
  await p.waitForLoadState('networkidle');
  await p.waitForFunction(() => [...document.images].every((i) => i.complete));
  const s = await p.evaluate((f) => ({ hits: window.__xssHits, pwned: window.__pwned,
    csp: window.__csp, bad: (0, eval)('(' + f + ')')() }), scan.toString());
  check(`${where}: no payload ran`, s.hits.length === 0 && s.pwned === undefined && dialogs.length === 0,
    { hits: s.hits, pwned: s.pwned, dialogs });
  check(`${where}: no payload became markup`, s.bad.length === 0, s.bad);
  if (csp) check(`${where}: rendering caused no CSP violation`, s.csp.length === 0, s.csp);
}

async function login(p, username) {
  await p.goto(base + '/staff/');
  await p.waitForURL(/\/staff\/login\.html/);
  await p.fill('#username', username);
  await p.fill('#password', S.password);
  await Promise.all([p.waitForURL(/\/staff\/(index\.html)?$/), p.click('#login')]);
  await p.waitForFunction(() => !['', '正在加载……'].includes(document.querySelector('#msg').textContent)
    || document.querySelectorAll('#list li').length > 0);
}

async function staffTicket(p, no) {
  await p.goto(base + '/staff/ticket.html?no=' + no);
  await p.locator('#view:not([hidden])').waitFor();
}

const notes = (p) => p.$$eval('.tl .note', (l) => l.map((n) => n.textContent));

// ---- run 1: the CSP ignored; the escaping alone ----
{
  const b = await browser(base, artifacts, { bypassCSP: true });
  await b.ctx.addInitScript(probe);
  await b.run(async () => {
    const p = await page(b);
    await login(p, 'platform');
    await p.check('#f-all');    // the replied request is history

    // the worklist: the summary of both requests, as text
    await p.locator(`#list li[data-no="${S.ticket_no}"]`).waitFor();
    await p.locator(`#list li[data-no="${S.hall_no}"]`).waitFor();
    const sum = await text(p, `#list li[data-no="${S.ticket_no}"] .sum`);
    check('worklist: the summary is the text as typed', sum === S.content.slice(0, 60).trim(), sum);
    const hsum = await text(p, `#list li[data-no="${S.hall_no}"] .sum`);
    check('worklist: the hall request too', hsum === S.hall_content, hsum);
    await clean(p, 'worklist');
    await b.shot(p, '01-worklist');

    // the worklist's search echoes what was typed
    const q = '<img src=x onerror=__xss(41)>';
    await p.fill('#q', q);
    await p.click('#search button');
    await p.waitForFunction(() => !['', '正在加载……'].includes(document.querySelector('#msg').textContent)
      || document.querySelector('.ferr') && document.querySelector('.ferr').textContent);
    const echo = (await text(p, '#msg')) + (await p.locator('.ferr').count() ? await text(p, '.ferr') : '');
    check('worklist search: the query shown as text', echo.includes(q) || !/</.test(echo), echo);
    await clean(p, 'worklist search');

    // the ticket view: content, contact, message, reply, attachment
    await staffTicket(p, S.ticket_no);
    const content = await p.locator('#t-content').evaluate((e) => e.textContent);
    check('ticket view: the content literally, U+2028 and all', content === S.content,
      { shown: content, filed: S.content });
    const contact = await text(p, '#t-contact');
    check('ticket view: the contact name literally', contact.startsWith(S.name), contact);
    const tl = await notes(p);
    check('ticket view: the follow-up message literally', tl.includes(S.message), tl);
    check('ticket view: the reply literally', tl.includes(S.reply), tl);
    check('ticket view: the attachment event names the file', tl.includes('附件：' + S.filename), tl);
    const fn = await text(p, '.atts .fn');
    check('ticket view: the attachment list names the file', fn.startsWith(S.filename), fn);
    await p.click('.atts .a-view');
    await p.locator('.a-img img').waitFor();
    const alt = await p.locator('.a-img img').getAttribute('alt');
    check('ticket view: the opened image is labelled with the name', alt === S.filename, alt);
    await clean(p, 'staff ticket view');
    await b.shot(p, '02-ticket', true);

    // the detector fires: a payload planted as markup is seen and runs
    await p.evaluate(() => {
      const d = document.createElement('div');
      d.id = 'planted';
      d.innerHTML = '<img src=x onerror=__xss(99)>';
      document.body.appendChild(d);
    });
    await p.waitForFunction(() => window.__xssHits.includes(99));
    const seen = await p.evaluate((f) => (0, eval)('(' + f + ')')(), scan.toString());
    check('self-test: a planted payload runs with the CSP off and is seen', seen.includes('IMG[onerror]'), seen);
    await p.evaluate(() => { document.getElementById('planted').remove(); window.__xssHits = []; });

    await staffTicket(p, S.hall_no);
    const hc = await p.locator('#t-content').evaluate((e) => e.textContent);
    check('hall ticket: the content literally', hc === S.hall_content, hc);
    check('hall ticket: flagged as a risk', (await text(p, '#t-risk')).startsWith('有'), await text(p, '#t-risk'));
    await clean(p, 'hall ticket view');

    // the leaders' view: the risk note and the follow-up as text
    await p.goto(base + '/staff/leader.html');
    await p.locator('#risks li[data-risk]').first().waitFor();
    await p.locator('#fups li[data-fup]').first().waitFor();
    const risks = await p.$$eval('#risks .sum', (l) => l.map((n) => n.textContent));
    check('leaders\' page: the risk note literally', risks.includes(S.risk_note), risks);
    const fups = await p.$$eval('#fups .sum', (l) => l.map((n) => n.textContent));
    check('leaders\' page: the follow-up literally', fups.includes(S.fup), fups);
    await clean(p, 'leaders\' page');
    await b.shot(p, '05-leader', true);
    await p.close();

    // the case-filing division: the directory and the risks; its canned
    // answers on the administration page
    const f = await page(b);
    await f.goto(base + '/staff/login.html');
    await f.fill('#username', 'filing');
    await f.fill('#password', S.password);
    await Promise.all([f.waitForURL(/\/staff\/(index\.html)?$/), f.click('#login')]);
    await f.goto(base + '/staff/filing.html');
    await f.locator('#dir li').first().waitFor();
    await f.locator('#risks li[data-risk]').first().waitFor();
    const dir = await f.$$eval('#dir li', (l) => l.map((n) => n.textContent));
    check('filing page: the liaison literally', dir.some((d) => d.includes(S.liaison)), dir);
    const frisks = await f.$$eval('#risks .sum', (l) => l.map((n) => n.textContent));
    check('filing page: the risk note literally', frisks.includes(S.risk_note), frisks);
    await clean(f, 'filing page');
    await f.goto(base + '/staff/admin.html');
    await f.locator('#canned li[data-id]').first().waitFor();
    const titles = await f.$$eval('#canned li[data-id] summary > span', (l) => l.map((n) => n.firstChild.textContent.trim()));
    check('administration page: the canned answer\'s title literally', titles.includes(S.canned), titles);
    await clean(f, 'administration page');
    await f.close();

    // the public directory
    const d = await page(b);
    await d.goto(base + '/liaisons.html');
    await d.locator('#list li').first().waitFor();
    const names = await d.$$eval('#list dd', (l) => l.map((n) => n.textContent));
    check('public directory: the liaison literally', names.some((n) => n.startsWith(S.liaison)), names);
    await clean(d, 'public directory');
    await d.close();

    // the public status page, the code after # as the kiosk's QR gives it
    const s = await page(b);
    await s.goto(`${base}/status.html?no=${S.ticket_no}#code=${S.query_code}`);
    await s.locator('#result:not([hidden])').waitFor({ timeout: 30000 });
    const pc = await s.locator('#t-content').evaluate((e) => e.textContent);
    check('status page: the content literally', pc === S.content, pc);
    const ptl = await notes(s);
    check('status page: message, reply and file name literally',
      ptl.includes(S.message) && ptl.includes(S.reply) && ptl.includes('附件：' + S.filename), ptl);
    check('status page: the contact is not shown', !(await s.locator('body').textContent()).includes(S.name));
    await s.click('#t-atts .a-view');
    await s.locator('#t-atts .a-img img').waitFor();
    await clean(s, 'status page');
    await b.shot(s, '03-status', true);
    await s.close();

    // the kiosk: typed in
    const k = await page(b);
    await k.goto(base + '/status.html?kiosk=1');
    await k.fill('#no', S.ticket_no);
    await k.fill('#code', S.query_code);
    await k.click('#query');
    await k.locator('#result:not([hidden])').waitFor({ timeout: 30000 });
    const kc = await k.locator('#t-content').evaluate((e) => e.textContent);
    check('kiosk status page: the content literally', kc === S.content, kc);
    await clean(k, 'kiosk status page');
    await b.shot(k, '04-kiosk-status', true);
    await k.close();
  });
}

// ---- run 2: the pages as served, their CSP on ----
{
  const b = await browser(base, artifacts);
  await b.ctx.addInitScript(probe);
  // planted inline script and handler: both refused, nothing runs
  async function refused(p, where) {
    const n = b.pageErrors.length;
    await p.evaluate(() => {
      const d = document.createElement('div');
      d.innerHTML = '<img src=x onerror=__xss(90)>';
      document.body.appendChild(d);
      const s = document.createElement('script');
      s.textContent = '__xss(91)';
      document.body.appendChild(s);
    });
    await p.waitForFunction(() => window.__csp.some((c) => /^script-src-attr/.test(c))
      && window.__csp.some((c) => /^script-src-elem/.test(c)));
    const s = await p.evaluate(() => ({ hits: window.__xssHits, csp: window.__csp }));
    check(`${where}: the CSP refuses an inline script and handler`, s.hits.length === 0, s);
    // the refusals just provoked are not the pages' errors
    const mine = b.pageErrors.splice(n);
    check(`${where}: ... and says so`, mine.length >= 1 && mine.every((e) => /^CSP: /.test(e)), mine);
  }
  await b.run(async () => {
    const p = await page(b);
    await login(p, 'platform');
    await p.check('#f-all');
    await p.locator(`#list li[data-no="${S.ticket_no}"]`).waitFor();
    await clean(p, 'worklist (CSP)', true);
    await staffTicket(p, S.ticket_no);
    await clean(p, 'staff ticket view (CSP)', true);
    await refused(p, 'staff ticket view');
    await p.close();

    // the page's own script arriving after GET /site still starts it
    const s = await page(b);
    await s.route('**/assets/public.js', async (route) => {
      const r = await route.fetch();
      await new Promise((done) => setTimeout(done, 1500));
      await route.fulfill({ response: r });
    });
    await s.goto(`${base}/status.html?no=${S.ticket_no}#code=${S.query_code}`);
    await s.locator('#result:not([hidden])').waitFor({ timeout: 30000 });
    check('status page: starts when its script comes after GET /site',
      (await text(s, '#t-no')) === S.ticket_no);
    await s.unroute('**/assets/public.js');
    await clean(s, 'status page (CSP)', true);
    await refused(s, 'status page');
    await s.close();
  });
}
