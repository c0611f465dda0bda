// Drives headless Chromium through the leaders' view (html/staff/leader.html)
// and the HTML monthly bulletin; t/491-browser-leader.t starts the server
// and checks the database afterwards.
//
//   node t/browser/leader.mjs BASEURL ARTIFACTS PASSWORD MONTH
//
// Output as t/browser/console.mjs: one JSON object per line ({"check"},
// {"data"}, {"done"}); screenshots (390x844) in ARTIFACTS.

import { args, browser, check, out, text } from './harness.mjs';

const [base, artifacts, password, month] = args('leader.mjs BASEURL ARTIFACTS PASSWORD MONTH', 4);
const data = {};
const { ctx, newPage, shot, run } = await browser(base, artifacts);

async function login(p, username) {
  await p.goto(base + '/staff/leader.html');
  await p.waitForURL(/login\.html/);
  await p.fill('#username', username);
  await p.fill('#password', password);
  await Promise.all([p.waitForURL((u) => !u.pathname.endsWith('login.html')), p.click('#login')]);
  if (!/leader\.html/.test(p.url())) await p.goto(base + '/staff/leader.html');
  await p.waitForFunction(() => document.querySelector('#asof').textContent !== ''
    || document.querySelector('#msg').classList.contains('err'));
}

await run(async () => {
  // ---- the civil division's leader ----
  let p = await newPage();
  await login(p, 'leader');
  check('title', (await text(p, '#who')).includes('领导视图'), await text(p, '#who'));
  const counts = await text(p, '#counts');
  check('live counts by status', counts.includes('已派单') && /\d/.test(counts), counts);
  const od = await text(p, '#overdue');
  check('overdue by department', od.includes('民事审判庭') && od.includes('超期'), od);
  const esc = await text(p, '#esc');
  check('the escalation waiting on the leader', esc.includes('部门领导督办'), esc);
  await p.locator('#risks li').first().waitFor();
  const rk = await text(p, '#risks');
  check('open risks listed', rk.includes('当事人扬言'), rk);
  check('a department leader cannot advance a risk', (await p.locator('#risks .r-go').count()) === 0);
  await shot(p, 'leader-01-overview');

  // follow-ups: create one for a member of staff, mark another done
  await p.locator('#fnew:not([hidden])').waitFor();
  await p.locator('#f-owner option', { hasText: '赵敏' }).first().waitFor({ state: 'attached' });
  await p.fill('#f-title', '回头看：核查九月超期工单的答复质量');
  const ownerValue = await p.locator('#f-owner option', { hasText: '赵敏' }).first().getAttribute('value');
  await p.selectOption('#f-owner', ownerValue);
  await p.fill('#f-due', '2026-12-15');
  await p.click('#f-add');
  await p.waitForFunction(() => document.querySelector('#fmsg').textContent.includes('已新增'));
  await p.waitForFunction(() => document.querySelector('#fups').textContent.includes('九月超期'));
  const fu = await text(p, '#fups');
  check('the new follow-up with its owner and due date', fu.includes('赵敏') && fu.includes('2026-12-15'), fu);
  check('an overdue follow-up is marked', fu.includes('已逾期'), fu);
  const doneBtn = p.locator('#fups li', { hasText: '整改回访' }).locator('.f-done');
  await doneBtn.click();
  await p.waitForFunction(() => document.querySelector('#fmsg').textContent.includes('已标记完成'));
  await p.waitForFunction(() => document.querySelector('#fups').textContent.includes('已完成'));
  check('a follow-up marked done', (await text(p, '#fups')).includes('已完成'));
  await p.locator('#fups').scrollIntoViewIfNeeded();
  await shot(p, 'leader-02-follow-ups');

  // KPI for a chosen period
  await p.fill('#k-from', month + '-01');
  const [y, m] = month.split('-').map(Number);
  const next = m === 12 ? `${y + 1}-01-01` : `${y}-${String(m + 1).padStart(2, '0')}-01`;
  await p.fill('#k-to', next);
  await p.click('#k-go');
  await p.waitForFunction(() => document.querySelector('#kpi').textContent.includes('及时受理率'));
  const kp = await text(p, '#kpi');
  check('KPI of the month (the civil department)', kp.includes('民事审判庭') && kp.includes('%'), kp);
  data.kpi_text = kp;
  await p.locator('#kpi').scrollIntoViewIfNeeded();
  await shot(p, 'leader-03-kpi');

  // the bulletin link
  await p.fill('#m-month', month);
  await p.click('#m-go');
  await p.locator('#m-html').waitFor();
  check('a CSV download link too', (await p.locator('#m-csv').count()) === 1);
  await p.locator('#mlinks').scrollIntoViewIfNeeded();
  await shot(p, 'leader-04-bulletin-link');
  const [bp] = await Promise.all([ctx.waitForEvent('page'), p.click('#m-html')]);
  await bp.waitForLoadState();
  // the viewer fetches the bulletin with the token, then shows it
  await bp.waitForFunction(() => !!document.querySelector('.red-head'));
  const h1 = await text(bp, 'h1');
  check('the bulletin opens as a page', h1.includes('月度通报') && h1.includes(month), h1);
  check('it has its charts', (await bp.locator('svg rect').count()) > 0);
  check('lagging departments marked', (await bp.locator('tr.lag').count()) > 0);
  await shot(bp, 'bulletin-html-full', true);
  await shot(bp, 'bulletin-html-top');
  await bp.close();
  await p.close();

  // ---- the case-filing division advances the risk ----
  p = await newPage();
  await login(p, 'filing');
  await p.locator('#risks .r-go').first().waitFor();
  check('the filing division may advance', (await text(p, '#risks .r-go')).includes('排查'));
  await p.click('#risks .r-go');
  await p.waitForFunction(() => document.querySelector('#rmsg').classList.contains('err'));
  check('a note is required', (await text(p, '#rmsg')).includes('情况说明'));
  await p.fill('#risks .r-note', '已联系当事人，情绪平稳（浏览器测试）');
  await p.click('#risks .r-go');
  await p.waitForFunction(() => document.querySelector('#rmsg').textContent.includes('已推进'));
  await p.waitForFunction(() => document.querySelector('#risks').textContent.includes('当前：排查'));
  check('the risk moved to 排查', (await text(p, '#risks')).includes('推进到研判'));
  await shot(p, 'leader-05-risk-advanced');
  await p.close();

  // ---- a judge is told the page is not for them ----
  p = await newPage();
  await login(p, 'judge1');
  await p.waitForFunction(() => document.querySelector('#msg').textContent !== '');
  check('a judge is told the page is for leaders', (await text(p, '#msg')).includes('领导'));
  await p.close();

  out({ data });
});
