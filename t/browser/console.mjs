// Drives Debian's headless Chromium through the Liaison console and the
// public pages, served by the real nginx (t/390-browser.t starts it).
//
//   node t/browser/console.mjs BASEURL ARTIFACTS TICKET_NO QUERY_CODE PASSWORD
//
// Prints one JSON object per line: {"check": name, "ok": bool, "detail"}
// for each check, {"data": {...}} for values the caller verifies in the
// database, and {"done": true} at the end.  Screenshots (390x844) go to
// ARTIFACTS.  Exit status 0 unless the run itself broke.

import { args, browser, check, out, text } from './harness.mjs';

const [base, artifacts, ticketNo, queryCode, password] = args(
  'console.mjs BASEURL ARTIFACTS TICKET_NO QUERY_CODE PASSWORD', 5);
const data = {};
const { ctx, newPage, shot, run } = await browser(base, artifacts);

async function login(page, username) {
  await page.goto(base + '/staff/');
  await page.waitForURL(/\/staff\/login\.html/);
  await page.fill('#username', username);
  await page.fill('#password', password);
  await Promise.all([page.waitForURL(/\/staff\/(index\.html)?$/), page.click('#login')]);
  await page.locator('#list li, #msg.err, #msg').first().waitFor();
  await page.waitForFunction(() => document.querySelector('#msg').textContent !== '正在加载……');
}

async function openTicket(page, no) {
  const card = page.locator(`#list li[data-no="${no}"]`);
  await card.waitFor();
  await card.locator('a').click();
  await page.waitForURL(/ticket\.html\?no=/);
  await page.locator('#view:not([hidden])').waitFor();
}

async function waitStatus(page, label) {
  await page.waitForFunction((l) => document.querySelector('#t-status').textContent === l, label);
}

await run(async () => {
  // ---- public pages ----
  let p = await newPage();
  await p.goto(base + '/');
  check('home page title', (await p.title()) === '诉讼服务 · 接诉即答', await p.title());
  await shot(p, '01-public-home');

  await p.click('#go-submit');
  await p.waitForURL(/submit\.html/);
  await p.selectOption('#category', 'consultation');
  const content = '请问诉状可以手写吗？（浏览器测试）';
  await p.fill('#content', content);
  await p.fill('#name', '王小明');
  await p.fill('#phone', '13900139000');
  check('character counter', (await text(p, '#count')) === String(content.length));
  await shot(p, '02-public-submit-form');
  await p.click('#submit');
  await p.locator('#done:not([hidden])').waitFor();
  data.web_ticket_no = await text(p, '#r-no');
  data.web_query_code = await text(p, '#r-code');
  check('web submission shows a ticket number', /^\d{13,}$/.test(data.web_ticket_no), data.web_ticket_no);
  check('web submission shows a query code', /^[2-9A-Z]{10}$/.test(data.web_query_code), data.web_query_code);
  check('web submission: simple track', (await text(p, '#r-track')) === '简易');
  check('web submission: no answer on receipt', await p.locator('#r-answer-box').isHidden());
  await shot(p, '03-public-submitted');

  await p.click('#r-status');
  await p.waitForURL(/status\.html/);
  await p.locator('#result:not([hidden])').waitFor();
  check('status page: the new request is registered', (await text(p, '#t-status')) === '已登记', await text(p, '#t-status'));
  check('status page: its content', (await text(p, '#t-content')) === content);
  await shot(p, '04-public-status-registered');

  // a wrong code answers like an unknown number
  await p.fill('#code', 'AAAAAAAAAA' === data.web_query_code ? 'BBBBBBBBBB' : 'AAAAAAAAAA');
  await p.click('#query');
  await p.waitForFunction(() => document.querySelector('#msg').classList.contains('err'));
  check('status page: a wrong code is refused', (await text(p, '#msg')).includes('未找到'), await text(p, '#msg'));
  await p.close();

  // a question a canned answer fits is answered on receipt (A4)
  p = await newPage();
  await p.goto(base + '/submit.html');
  await p.selectOption('#category', 'consultation');
  await p.fill('#content', '请问诉讼费怎么交？');
  await p.click('#submit');
  await p.locator('#done:not([hidden])').waitFor();
  check('answer on receipt: the answer is shown at once',
    (await text(p, '#r-answer')).startsWith('案件受理费由原告在立案时预交'), await text(p, '#r-answer'));
  await shot(p, '03b-public-answered-on-receipt');
  await p.close();

  // the kiosk (一体机): large type, channel kiosk
  p = await newPage();
  await p.goto(base + '/submit.html?kiosk=1');
  check('kiosk mode', (await p.getAttribute('body', 'class')) === 'kiosk');
  await p.selectOption('#category', 'contact_judge');
  await p.fill('#content', '请转告承办法官：我已补交证据。');
  await p.click('#submit');
  await p.locator('#case_no[aria-invalid=true]').waitFor();
  check('kiosk: contact_judge without a case number is caught, at the field', (await text(p, '#case_no-err')).includes('案号'), await text(p, '#case_no-err'));
  await p.fill('#case_no', '(2026)粤0115民初101号');
  await p.click('#submit');
  await p.locator('#done:not([hidden])').waitFor();
  data.kiosk_ticket_no = await text(p, '#r-no');
  check('kiosk submission: ordinary track', (await text(p, '#r-track')) === '普通工单');
  await shot(p, '05-kiosk-submitted');
  await p.close();

  // the liaison directory
  p = await newPage();
  await p.goto(base + '/liaisons.html');
  await p.waitForFunction(() => document.querySelector('#msg').textContent !== '正在加载……');
  const dir = await text(p, '#list');
  check('liaison directory: the civil division\'s liaison', dir.includes('民事审判庭') && dir.includes('刘洋'), dir);
  check('liaison directory: the mobile masked', dir.includes('138****8005') && !dir.includes('13800138005'), dir);
  await shot(p, '06-public-liaisons');
  // ... and a friendly message when it cannot be had
  await p.route('**/api/v1/liaisons', (route) => route.fulfill({ status: 503,
    contentType: 'application/json', body: '{"error":{"code":"unavailable","message":"x"}}' }));
  await p.reload();
  await p.waitForFunction(() => document.querySelector('#msg').classList.contains('err'));
  check('liaison directory: a friendly message on failure', (await text(p, '#msg')).includes('暂时无法获取'), await text(p, '#msg'));
  check('liaison directory: nothing listed then', (await p.locator('#list li').count()) === 0);
  await shot(p, '07-public-liaisons-unavailable');
  await p.close();

  // ---- staff: the platform dispatches ----
  p = await newPage();
  await p.goto(base + '/staff/');
  await p.waitForURL(/login\.html/);
  await shot(p, '10-staff-login');
  await p.fill('#username', 'platform');
  await p.fill('#password', 'wrong-password');
  await p.click('#login');
  await p.waitForFunction(() => document.querySelector('#msg').classList.contains('err'));
  check('staff login: a wrong password is refused', (await text(p, '#msg')) === '用户名或密码错误');
  await login(p, 'platform');
  check('worklist: the header names the role', (await text(p, '#nav')).includes('平台工作人员'), await text(p, '#nav'));
  check('worklist: the overdue badge', (await p.locator('#list .b-over').count()) > 0);
  check('worklist: the escalation badge', (await p.locator('#list .b-esc').count()) > 0);
  check('worklist: the ticket is listed', (await p.locator(`#list li[data-no="${ticketNo}"]`).count()) === 1);
  await shot(p, '11-staff-worklist');

  await p.check('#f-overdue');
  await p.waitForFunction(() => /共 \d+ 件/.test(document.querySelector('#total').textContent)
    && document.querySelector('#msg').textContent !== '正在加载……');
  const overdue = await p.locator('#list li').count();
  const overdueBadges = await p.locator('#list li .b-over').count();
  check('worklist filter: overdue only', overdue > 0 && overdue === overdueBadges, `${overdue} items, ${overdueBadges} badges`);
  await shot(p, '12-staff-worklist-overdue');
  await p.uncheck('#f-overdue');
  await p.locator(`#list li[data-no="${ticketNo}"]`).waitFor();

  await openTicket(p, ticketNo);
  check('ticket: status registered', (await text(p, '#t-status')) === '已登记');
  check('ticket: timeline', (await p.locator('#timeline li').count()) >= 1);
  await p.locator('#a-dispatch').waitFor();
  await shot(p, '13-staff-ticket');
  await p.click('#a-dispatch');
  await p.locator('#p-dispatch.on').waitFor();
  await p.waitForFunction(() => document.querySelector('#d-dept').options.length > 1);
  const deptOptions = await p.locator('#d-dept option').allTextContents();
  check('dispatch: the case judge is offered by default', deptOptions[0] === '按案号派给承办法官', deptOptions.join('|'));
  check('dispatch: departments offered', deptOptions.includes('民事审判庭'), deptOptions.join('|'));
  await p.fill('#d-note', '请尽快联系当事人');
  await shot(p, '14-staff-dispatch');
  await p.click('#p-dispatch button[type=submit]');
  await waitStatus(p, '已派单');
  check('dispatch: status dispatched', true);
  check('dispatch: confirmed', (await text(p, '#amsg')) === '已派单', await text(p, '#amsg'));
  await p.click('#a-notes');
  await p.fill('#note-text', '内部备注：当事人下午方便接听');
  await p.click('#p-notes button[type=submit]');
  await p.waitForFunction(() => document.querySelector('#amsg').textContent === '备注已保存');
  check('note: an internal event in the timeline', (await p.locator('#timeline li.int').count()) >= 1);
  await p.click('#back');
  await p.waitForURL(/\/staff\/$/);
  await p.click('#logout');
  await p.waitForURL(/login\.html/);
  check('logout: back to the login page', true);
  await p.goto(base + '/staff/');
  await p.waitForURL(/login\.html/);
  check('logout: the console needs a login again', true);
  await p.close();

  // ---- staff: the judge accepts and replies ----
  p = await newPage();
  await login(p, 'judge1');
  check('judge worklist: the work order', (await p.locator(`#list li[data-no="${ticketNo}"]`).count()) === 1);
  await openTicket(p, ticketNo);
  check('judge: status dispatched', (await text(p, '#t-status')) === '已派单');
  const buttons = await p.locator('#actions button').allTextContents();
  check('judge: accept, transfer, return offered', ['受理', '转办', '退回'].every((b) => buttons.includes(b)), buttons.join('|'));
  check('judge: no dispatch or triage', !buttons.includes('派单') && !buttons.includes('分流'), buttons.join('|'));
  await p.click('#a-accept');
  await waitStatus(p, '已受理');
  check('accept: status accepted', true);
  // a risk warning (A10) goes to the case-filing division
  check('judge: the risk button (the endpoint exists)', (await p.locator('#a-risk').count()) === 1);
  await p.click('#a-risk');
  await p.locator('#p-risk.on').waitFor();
  await p.selectOption('#risk-level', 'high');
  await p.fill('#risk-note', '当事人情绪激动，扬言到法院门口聚集');
  await p.click('#p-risk button[type=submit]');
  await p.waitForFunction(() => document.querySelector('#amsg').textContent === '风险预警已上报');
  check('risk: on the timeline, internal', (await p.locator('#timeline li.int', { hasText: '风险预警' }).count()) === 1);
  await p.click('#a-reply');
  await p.locator('#p-reply.on').waitFor();
  await p.waitForFunction(() => document.querySelector('#canned').options.length > 1);
  const canned = await p.locator('#canned option').allTextContents();
  check('reply: canned answers offered', canned.some((c) => c.includes('诉讼费缴纳')), canned.join('|'));
  await p.selectOption('#canned', { index: 1 });
  const filled = await p.inputValue('#reply-text');
  check('reply: the canned answer fills the text', filled.length > 0, filled);
  const replyText = '您好，承办法官已阅，将于三个工作日内电话联系您。';
  await p.fill('#reply-text', replyText);
  await shot(p, '15-staff-reply');
  await p.click('#p-reply button[type=submit]');
  await waitStatus(p, '已回复');
  check('reply: status replied', true);
  await p.locator('#timeline').scrollIntoViewIfNeeded();
  await shot(p, '16-staff-replied');
  data.reply_text = replyText;
  await p.close();

  // ---- the litigant's view changed ----
  p = await newPage();
  await p.goto(base + '/status.html');
  await p.fill('#no', ticketNo);
  await p.fill('#code', queryCode.toLowerCase());
  await p.click('#query');
  await p.locator('#result:not([hidden])').waitFor();
  check('litigant: status replied', (await text(p, '#t-status')) === '已回复', await text(p, '#t-status'));
  const tl = await text(p, '#t-timeline');
  check('litigant: the reply text', tl.includes(replyText), tl);
  check('litigant: no internal note', !tl.includes('内部备注') && !tl.includes('下午方便接听'), tl);
  check('litigant: no risk warning', !tl.includes('风险') && !tl.includes('聚集'), tl);
  check('litigant: dispatched and accepted shown', tl.includes('派单') && tl.includes('受理'), tl);
  await p.locator('#t-timeline').scrollIntoViewIfNeeded();
  await shot(p, '17-public-status-replied');
  await p.close();

  out({ data });
});
