/* Liaison: the leaders' view (A13 live overview, A14 follow-ups, A2 KPIs, A12 bulletin). */
'use strict';
var ADVANCE = {filing_admin: 1, platform_staff: 1, vice_president: 1, president: 1};
var CREATE = {filing_admin: 1, dept_leader: 1, vice_president: 1, president: 1};
var me = session.get('role') || '';
var auth = {auth: true};

function day(d) { var p = function (n) { return (n < 10 ? '0' : '') + n; }; return d.getFullYear() + '-' + p(d.getMonth() + 1) + '-' + p(d.getDate()); }
function pct(r) { return r.rate == null ? '—' : (r.rate * 100).toFixed(1) + '%'; }
function empty(ul, text) { ul.innerHTML = '<li class="muted">' + esc(text) + '</li>'; }

function overview() {
  return api('GET', '/staff/overview', null, auth).then(function (r) {
    if (r.status !== 200) { say('#msg', errText(r), 'err'); return; }
    var o = r.json, c = o.open_by_status || {};
    $('#counts').innerHTML = ['registered', 'dispatched', 'accepted', 'reopened'].map(function (s) {
      return '<div><b>' + esc(c[s] || 0) + '</b><span>' + esc(label('status', s)) + '</span></div>';
    }).join('');
    $('#nrisk').textContent = o.open_risks;
    $('#asof').textContent = '更新于 ' + new Date().toTimeString().slice(0, 5);
    var od = o.overdue_by_department || [];
    if (!od.length) empty($('#overdue'), '暂无超期'); else $('#overdue').innerHTML = od.map(function (d) {
      return '<li class="line"><span>' + esc(d.department) + '</span><span class="badge b-over">超期 ' + esc(d.overdue) + ' 件</span></li>';
    }).join('');
    var es = o.escalations_to_me || [];
    if (!es.length) empty($('#esc'), '暂无待督办事项'); else $('#esc').innerHTML = es.map(function (e) {
      return '<li class="line"><a class="tn" href="/staff/ticket.html?no=' + esc(e.ticket_no) + '">' + esc(e.ticket_no) + '</a>' +
        '<span class="badge b-esc">' + esc(label('ladder', String(e.level))) + '</span><span class="hint">' + esc(fmt(e.fired_at)) + '</span></li>';
    }).join('');
  });
}

function risks() {
  var stages = Object.keys(L.risk_stage);
  return api('GET', '/staff/risks?open=1', null, auth).then(function (r) {
    if (r.status !== 200) { say('#rmsg', errText(r), 'err'); return; }
    var items = r.json.items || [];
    if (!items.length) { empty($('#risks'), '暂无未闭环的风险预警'); return; }
    $('#risks').innerHTML = items.map(function (k) {
      var next = stages[stages.indexOf(k.stage) + 1];
      return '<li class="ld" data-risk="' + esc(k.id) + '"><div class="top"><span>#' + esc(k.id) + ' ' +
        (k.ticket_no ? '<a class="tn" href="/staff/ticket.html?no=' + esc(k.ticket_no) + '">' + esc(k.ticket_no) + '</a>' : '') +
        '</span><span class="badge b-risk">' + esc(label('risk_level', k.level)) + '</span></div>' +
        '<div class="sum">' + esc(k.note) + '</div><div class="hint">当前：' + esc(label('risk_stage', k.stage)) +
        '（' + esc(fmt(k.stage_since)) + ' 起）</div>' +
        (next && ADVANCE[me] ? '<div class="row"><input class="r-note" aria-label="' + esc(label('risk_stage', next)) + '情况说明" placeholder="' + esc(label('risk_stage', next)) + '情况说明" maxlength="500">' +
          '<button type="button" class="r-go" data-next="' + next + '">推进到' + esc(label('risk_stage', next)) + '</button></div>' : '') + '</li>';
    }).join('');
  });
}

function advance(ev) {
  var b = ev.target.closest('.r-go');
  if (!b) return;
  var li = b.closest('li'), note = $('.r-note', li).value.trim();
  if (!note) { say('#rmsg', '请填写情况说明', 'err'); $('.r-note', li).setAttribute('aria-invalid', 'true'); $('.r-note', li).focus(); return; }
  b.disabled = true;
  api('POST', '/staff/risks/' + li.getAttribute('data-risk') + '/advance',
    {stage: b.getAttribute('data-next'), note: note}, auth).then(function (r) {
    b.disabled = false;
    if (r.status !== 200) { say('#rmsg', errText(r), 'err'); return; }
    say('#rmsg', '已推进到' + label('risk_stage', r.json.stage), 'ok');
    risks(); overview();
  });
}

function followUps() {
  return api('GET', '/staff/follow-ups', null, auth).then(function (r) {
    if (r.status !== 200) { say('#fmsg', errText(r), 'err'); return; }
    var items = r.json.items || [];
    if (!items.length) { empty($('#fups'), '暂无事项'); return; }
    $('#fups').innerHTML = items.map(function (f) {
      var open = f.status === 'open';
      return '<li class="ld" data-fup="' + esc(f.id) + '"><div class="top"><span>负责人：' + esc(f.owner) +
        '</span><span>期限 ' + esc(f.due_on) + '</span></div><div class="sum">' + esc(f.title) + '</div>' +
        (open ? (f.overdue ? '<span class="badge b-over">已逾期</span>' : '<span class="badge b-st">进行中</span>') +
          ' <button type="button" class="sec f-done">标记完成</button>' : '<span class="badge b-closed">已完成</span>') + '</li>';
    }).join('');
  });
}

function done(ev) {
  var b = ev.target.closest('.f-done');
  if (!b) return;
  b.disabled = true;
  api('POST', '/staff/follow-ups/' + b.closest('li').getAttribute('data-fup') + '/done', undefined, auth).then(function (r) {
    say('#fmsg', r.status === 200 ? '已标记完成' : errText(r), r.status === 200 ? 'ok' : 'err');
    followUps(); overview();
  });
}

function owners() {
  api('GET', '/staff/departments', null, auth).then(function (r) {
    if (r.status !== 200) return;
    $('#f-owner').innerHTML = '<option value="">请选择</option>' + r.json.items.map(function (d) {
      return (d.staff || []).map(function (s) {
        return '<option value="' + esc(s.id) + '">' + esc(d.name + ' · ' + s.name + '（' + label('role', s.role) + '）') + '</option>';
      }).join('');
    }).join('');
  });
  $('#fnew').addEventListener('submit', function (ev) {
    ev.preventDefault();
    var b = {title: $('#f-title').value.trim(), owner_staff_id: +$('#f-owner').value, due_on: $('#f-due').value};
    var f = $('#fnew');
    clearErrs(f);
    if (!b.title) { fieldErr(f, 'title', '请填写事项'); return; }
    if (!b.owner_staff_id) { fieldErr(f, 'owner_staff_id', '请选择负责人'); return; }
    if (!b.due_on) { fieldErr(f, 'due_on', '请选择完成期限'); return; }
    $('#f-add').disabled = true;
    api('POST', '/staff/follow-ups', b, auth).then(function (r) {
      $('#f-add').disabled = false;
      if (r.status !== 201) { showErr(f, '#fmsg', r); return; }
      say('#fmsg', '已新增事项', 'ok');
      $('#f-title').value = '';
      followUps();
    });
  });
}

function kpi() {
  var q = 'from=' + $('#k-from').value + '&to=' + $('#k-to').value;
  api('GET', '/staff/reports/kpi?' + q, null, auth).then(function (r) {
    if (r.status !== 200) { $('#kpi').innerHTML = '<p class="err">' + esc(errText(r)) + '</p>'; return; }
    var t = r.json.total;
    var rows = [['及时受理率', t.timely_acceptance], ['法官联络到位率', t.judge_contact],
      ['按期办结率', t.on_time_completion], ['满意率', t.satisfaction]];
    $('#kpi').innerHTML = '<p class="muted">诉求 ' + esc(t.requests) + ' 件 · 综合得分 ' + esc(t.score) + '</p>' +
      '<table class="kt"><tr><th>指标</th><th>完成/总数</th><th>比率</th></tr>' + rows.map(function (x) {
        return '<tr><td>' + x[0] + '</td><td>' + esc(x[1].count) + '/' + esc(x[1].total) + '</td><td>' + pct(x[1]) + '</td></tr>';
      }).join('') + '</table><table class="kt"><tr><th>部门</th><th>诉求</th><th>得分</th></tr>' +
      (r.json.by_department || []).filter(function (d) { return d.id; }).map(function (d) {
        return '<tr><td>' + esc(d.name) + '</td><td>' + esc(d.requests) + '</td><td>' + esc(d.score) + '</td></tr>';
      }).join('') + '</table>';
  });
}

/* the bulletin: its page (bulletin.html fetches it with the token), and
   the files, named with the month */
function bulletin() {
  var m = $('#m-month').value;
  if (!/^\d{4}-\d{2}$/.test(m)) { $('#mlinks').textContent = '请选择月份'; return; }
  $('#mlinks').textContent = '正在获取……';
  Promise.all(['csv', 'xlsx'].map(function (f) {
    return api('GET', '/staff/reports/monthly?month=' + m + '&format=' + f, null, {auth: true, blob: true});
  })).then(function (b) {
    if (!b[0].blob) { $('#mlinks').textContent = b[0].status === 404 ? m + ' 的月度通报尚未生成' : errText(b[0]); return; }
    $('#mlinks').innerHTML = '<a id="m-html" class="btn sec" target="_blank" rel="opener" href="/staff/bulletin.html?month=' + esc(m) + '">查看 ' + esc(m) + ' 月度通报（可打印）</a>' +
      (b[1].blob ? '<a id="m-xlsx" class="btn sec" download="月度通报-' + esc(m) + '.xlsx" href="' + URL.createObjectURL(b[1].blob) + '">下载 Excel</a>' : '') +
      '<a id="m-csv" class="btn sec" download="月度通报-' + esc(m) + '.csv" href="' + URL.createObjectURL(b[0].blob) + '">下载 CSV</a>';
  });
}

PAGES.leader = function () {
  if (needLogin()) return;
  nav();
  $('#who').textContent = '领导视图 · ' + label('role', me);
  if (!LEADS[me]) { say('#msg', '本页面供部门负责人、院领导和立案庭使用', 'err'); return; }
  var now = new Date(), first = new Date(now.getFullYear(), now.getMonth(), 1);
  $('#k-from').value = day(first);
  $('#k-to').value = day(new Date(now.getFullYear(), now.getMonth(), now.getDate() + 1));
  var prev = new Date(now.getFullYear(), now.getMonth() - 1, 15);
  $('#m-month').value = day(prev).slice(0, 7);
  $('#risks').addEventListener('click', advance);
  $('#fups').addEventListener('click', done);
  $('#k-go').addEventListener('click', kpi);
  $('#m-go').addEventListener('click', bulletin);
  if (CREATE[me]) { $('#fnew').hidden = false; owners(); }
  Promise.all([overview(), risks(), followUps()]).then(function () { say('#msg', ''); });
  kpi();
  bulletin();
};
