/* Liaison: the staff console (login, worklist, ticket). */
'use strict';

/* who may take which action (mirrors core/lsn_workflow.c; the server decides) */
var RIGHTS = {
  platform_staff: 'triage reply dispatch close transfer notes',
  filing_admin: 'triage reply dispatch close transfer notes',
  judge: 'reply accept return close transfer notes',
  dept_staff: 'reply accept return close notes',
  liaison: 'reply dispatch accept return close transfer notes',
  dept_leader: 'reply dispatch accept return close transfer notes',
  vice_president: 'notes', president: 'notes', sys_admin: ''
};
var DONE = {triage: '已分流', reply: '已发送答复', dispatch: '已派单',
  accept: '已受理', 'return': '已退回平台', close: '已办结', transfer: '已转办',
  notes: '备注已保存', risk: '风险预警已上报'};

function role() { return session.get('role') || ''; }
function may(action) { return (' ' + (RIGHTS[role()] || '') + ' ').indexOf(' ' + action + ' ') >= 0; }
function needLogin() {
  if (session.get('token')) return false;
  location.href = '/staff/login.html?next=' + encodeURIComponent(location.pathname + location.search);
  return true;
}

function pageLogin() {
  $('#f').addEventListener('submit', function (ev) {
    ev.preventDefault();
    var u = $('#username').value.trim(), p = $('#password').value;
    if (!u || !p) { say('#msg', '请输入用户名和密码', 'err'); return; }
    $('#login').disabled = true;
    say('#msg', '正在登录……');
    api('POST', '/staff/login', {username: u, password: p}).then(function (r) {
      $('#login').disabled = false;
      if (r.status !== 200) {
        say('#msg', r.status === 401 ? '用户名或密码错误' : errText(r), 'err');
        return;
      }
      session.set('token', r.json.token);
      session.set('role', r.json.role);
      session.set('user', u);
      session.set('dept', r.json.department ? String(r.json.department.id) : null);
      session.set('dept_name', r.json.department ? r.json.department.name : null);
      var next = qs('next');
      location.href = next && next.charAt(0) === '/' && next.charAt(1) !== '/' ? next : '/staff/';
    });
  });
}

function logout() {
  api('POST', '/staff/logout', undefined, {auth: true}).then(function () {
    ['token', 'role', 'user', 'dept', 'dept_name'].forEach(function (k) { session.set(k, null); });
    location.href = '/staff/login.html';
  });
}

function badges(t) {
  var b = '<span class="badge ' + (t.status === 'closed' ? 'b-closed' : 'b-st') + '">' + esc(label('status', t.status)) + '</span>';
  if (t.overdue) b += '<span class="badge b-over">超期</span>';
  if (t.escalation_level > 0) b += '<span class="badge b-esc">督办' + esc(t.escalation_level) + '级·' + esc(L.escalation[t.escalation_level] || '') + '</span>';
  b += '<span class="badge">' + esc(label('track', t.track)) + '</span>';
  return b;
}

function pageWorklist() {
  if (needLogin()) return;
  $('#who').textContent = (session.get('dept_name') || '') + ' · ' + label('role', role());
  $('#logout').addEventListener('click', logout);
  var saved = {};
  try { saved = JSON.parse(session.get('filters') || '{}') || {}; } catch (e) {}
  var page = saved.page || 1, per = 20;
  $('#f-status').value = saved.status || '';
  $('#f-track').value = saved.track || '';
  ['overdue', 'escalated', 'mine'].forEach(function (k) { $('#f-' + k).checked = !!saved[k]; });

  function load() {
    var f = {status: $('#f-status').value, track: $('#f-track').value,
      overdue: $('#f-overdue').checked, escalated: $('#f-escalated').checked,
      mine: $('#f-mine').checked, page: page};
    session.set('filters', JSON.stringify(f));
    var q = '?page=' + page + '&per_page=' + per;
    if (f.status) q += '&status=' + f.status;
    if (f.track) q += '&track=' + f.track;
    ['overdue', 'escalated', 'mine'].forEach(function (k) { if (f[k]) q += '&' + k + '=1'; });
    say('#msg', '正在加载……');
    api('GET', '/staff/tickets' + q, null, {auth: true}).then(function (r) {
      if (r.status !== 200) {
        $('#list').innerHTML = '';
        say('#msg', r.status === 403 ? '您的角色没有诉求工作台' : errText(r), 'err');
        return;
      }
      var items = r.json.items, total = r.json.total;
      say('#msg', total ? '' : '没有符合条件的诉求');
      $('#total').textContent = '共 ' + total + ' 件 · 第 ' + page + '/' + Math.max(1, Math.ceil(total / per)) + ' 页';
      $('#prev').disabled = page <= 1;
      $('#next').disabled = page * per >= total;
      $('#list').innerHTML = items.map(function (t) {
        session.set('item_' + t.ticket_no, JSON.stringify(t));
        var who = [t.department && t.department.name, t.assignee && t.assignee.name].filter(Boolean).join(' · ');
        return '<li class="card item" data-no="' + esc(t.ticket_no) + '"><a href="/staff/ticket.html?no=' + esc(t.ticket_no) + '">' +
          '<div class="top"><span>' + esc(t.ticket_no) + ' · ' + esc(label('category', t.category)) + '</span><span>' + esc(label('channel', t.channel)) + '</span></div>' +
          '<div class="sum">' + esc(t.summary) + '</div>' +
          '<div>' + badges(t) + '</div>' +
          '<div class="top"><span>' + esc(who || '未派单') + '</span><span>期限 ' + esc(fmt(t.due_at)) + '</span></div></a></li>';
      }).join('');
    });
  }
  $all('.filters select, .filters input').forEach(function (el) {
    el.addEventListener('change', function () { page = 1; load(); });
  });
  $('#prev').addEventListener('click', function () { if (page > 1) { page--; load(); } });
  $('#next').addEventListener('click', function () { page++; load(); });
  load();
}

/* ---- the ticket ---- */

var T = null, DEPTS = null, RISK = null;
var NO = null;

function allowed(a) {
  if (!T || !may(a)) return false;
  var s = T.status, simple = T.track === 'simple';
  switch (a) {
  case 'triage': return s === 'registered' || s === 'reopened';
  case 'reply': return simple ? (s === 'registered' || s === 'reopened') : (s === 'accepted' || s === 'reopened');
  case 'dispatch':
    if (simple) return false;
    if (role() === 'liaison' || role() === 'dept_leader') return s === 'dispatched';
    return s === 'registered' || s === 'reopened' || s === 'dispatched';
  case 'accept': case 'return': return s === 'dispatched';
  case 'close': return s === 'answered' || s === 'replied';
  case 'transfer': return s === 'dispatched' || s === 'accepted';
  case 'notes': return true;
  }
  return false;
}

function renderActions() {
  var names = {triage: '分流', reply: T.track === 'simple' ? '答复' : '回复',
    dispatch: T.status === 'dispatched' ? '改派' : '派单', accept: '受理',
    'return': '退回', close: '办结', transfer: '转办', notes: '内部备注', risk: '风险预警'};
  var list = ['accept', 'reply', 'dispatch', 'close', 'transfer', 'return', 'triage', 'notes'].filter(allowed);
  if (RISK && role() !== 'sys_admin') list.push('risk');
  $('#actions').innerHTML = list.length ? list.map(function (a) {
    return '<button type="button" class="' + (a === 'notes' || a === 'risk' || a === 'return' ? 'sec' : '') + '" data-a="' + a + '" id="a-' + a + '">' + names[a] + '</button>';
  }).join('') : '<p class="muted">当前没有可进行的操作</p>';
}

function showPanel(a) {
  $all('.panel').forEach(function (p) { p.classList.toggle('on', p.id === 'p-' + a); });
  say('#amsg', '');
  if (a === 'reply') loadCanned();
  if (a === 'dispatch' || a === 'transfer') loadDepts(a === 'dispatch' ? 'd' : 'x', a);
  if (a === 'triage') {
    $('#tr-track').value = T.track;
    $('#tr-category').innerHTML = Object.keys(L.category).map(function (c) {
      return '<option value="' + c + '"' + (c === T.category ? ' selected' : '') + '>' + L.category[c] + '</option>';
    }).join('');
  }
  var p = $('#p-' + a);
  if (p) p.scrollIntoView({block: 'nearest'});
}

function doAction(a, body) {
  say('#amsg', '正在提交……');
  $all('#actions button, .panel button').forEach(function (b) { b.disabled = true; });
  var path = a === 'risk' ? '/staff/tickets/' + NO + '/risk' : '/staff/tickets/' + NO + '/' + a;
  return api('POST', path, body, {auth: true}).then(function (r) {
    $all('#actions button, .panel button').forEach(function (b) { b.disabled = false; });
    if (r.status !== 200 && r.status !== 201) { say('#amsg', errText(r), 'err'); return; }
    $all('.panel').forEach(function (p) { p.classList.remove('on'); p.reset && p.reset(); });
    return loadTicket().then(function () { say('#amsg', DONE[a] || '已完成', 'ok'); });
  });
}

function loadCanned() {
  if ($('#canned').options.length > 1) return;
  api('GET', '/staff/canned-answers', null, {auth: true}).then(function (r) {
    if (r.status !== 200) return;
    var items = r.json.items.slice().sort(function (x, y) {
      return (y.category === T.category) - (x.category === T.category);
    });
    $('#canned').innerHTML = '<option value="">— 选择后填入 —</option>' + items.map(function (c) {
      return '<option value="' + c.id + '">' + esc('[' + label('category', c.category) + '] ' + c.title) + '</option>';
    }).join('');
    $('#canned').onchange = function () {
      var c = items.filter(function (x) { return String(x.id) === $('#canned').value; })[0];
      if (c) $('#reply-text').value = c.body;
    };
  });
}

function loadDepts(p, a) {
  function fill() {
    var mine = session.get('dept');
    var inDept = {judge: 1, dept_staff: 1, liaison: 1, dept_leader: 1};
    var depts = DEPTS.filter(function (d) {
      return d.kind !== 'filing' && (a !== 'dispatch' || (role() !== 'liaison' && role() !== 'dept_leader') || String(d.id) === mine);
    });
    var sel = $('#' + p + '-dept');
    sel.innerHTML = (a === 'dispatch' && T.case_no && (role() === 'platform_staff' || role() === 'filing_admin')
      ? '<option value="">按案号派给承办法官</option>' : '') +
      depts.map(function (d) { return '<option value="' + d.id + '">' + esc(d.name) + '</option>'; }).join('');
    function people() {
      var d = depts.filter(function (x) { return String(x.id) === sel.value; })[0];
      var staff = d ? (d.staff || []).filter(function (s) { return inDept[s.role]; }) : [];
      $('#' + p + '-assignee').innerHTML = (d ? '<option value="">不指定（部门内领办）</option>' : '<option value="">—</option>') +
        staff.map(function (s) { return '<option value="' + s.id + '">' + esc(s.name + '（' + label('role', s.role) + '）') + '</option>'; }).join('');
    }
    sel.onchange = people;
    people();
  }
  if (DEPTS) { fill(); return; }
  api('GET', '/staff/departments', null, {auth: true}).then(function (r) {
    if (r.status !== 200) { say('#amsg', errText(r), 'err'); return; }
    DEPTS = r.json.items;
    fill();
  });
}

function target(p) {
  var b = {}, d = $('#' + p + '-dept').value, s = $('#' + p + '-assignee').value;
  if (s) b.assignee = +s; else if (d) b.department = +d;
  return b;
}

function loadTicket() {
  return api('GET', '/tickets/' + NO, null, {auth: true}).then(function (r) {
    if (r.status !== 200) {
      say('#msg', r.status === 404 ? '未找到该诉求，或不在您的办理范围内' : errText(r), 'err');
      $('#view').hidden = true;
      return;
    }
    T = r.json;
    var item = {};
    try { item = JSON.parse(session.get('item_' + NO) || '{}') || {}; } catch (e) {}
    item.status = T.status;
    item.track = T.track;
    $('#badges').innerHTML = badges(item);
    $('#t-no').textContent = T.ticket_no;
    $('#t-status').textContent = label('status', T.status);
    $('#t-category').textContent = label('category', T.category) + ' · ' + label('track', T.track);
    $('#t-channel').textContent = label('channel', T.channel);
    $('#t-case').textContent = T.case_no || '—';
    $('#t-handler').textContent = [item.department && item.department.name, item.assignee && item.assignee.name].filter(Boolean).join(' · ') || '—';
    $('#t-created').textContent = fmt(T.created_at);
    $('#t-due').textContent = fmt(T.due_at);
    $('#t-contact').innerHTML = T.contact ? esc(T.contact.name || '') + ' <a href="tel:' + esc(T.contact.phone) + '">' + esc(T.contact.phone || '') + '</a>' : '—';
    $('#t-content').textContent = T.content;
    $('#timeline').innerHTML = timelineHtml(T.timeline, true);
    renderActions();
    say('#msg', '');
    $('#view').hidden = false;
  });
}

/* the risk endpoint may not exist yet: a body with an unknown member is
   refused (400) by an endpoint that exists, 404 by one that does not */
function probeRisk() {
  return api('POST', '/staff/tickets/' + NO + '/risk', {probe_only: true}, {auth: true}).then(function (r) {
    RISK = r.status !== 404 && r.status !== 405 && r.status !== 0;
  });
}

function pageTicket() {
  if (needLogin()) return;
  NO = qs('no');
  if (!NO || !/^\d+$/.test(NO)) { say('#msg', '诉求编号不正确', 'err'); return; }
  $('#title').textContent = '诉求 ' + NO;
  $('#actions').addEventListener('click', function (ev) {
    var a = ev.target.getAttribute && ev.target.getAttribute('data-a');
    if (!a) return;
    if (a === 'accept' || a === 'close') doAction(a, undefined);
    else showPanel(a);
  });
  $('#p-reply').addEventListener('submit', function (ev) {
    ev.preventDefault();
    var c = $('#reply-text').value.trim();
    if (!c) { say('#amsg', '请填写答复内容', 'err'); return; }
    doAction('reply', {content: c, close: $('#reply-close').checked});
  });
  $('#p-dispatch').addEventListener('submit', function (ev) {
    ev.preventDefault();
    var b = target('d'), n = $('#d-note').value.trim();
    if (n) b.note = n;
    doAction('dispatch', b);
  });
  $('#p-transfer').addEventListener('submit', function (ev) {
    ev.preventDefault();
    var b = target('x'), reason = $('#x-reason').value.trim();
    if (!b.department && !b.assignee) { say('#amsg', '请选择转办部门', 'err'); return; }
    if (!reason) { say('#amsg', '请填写转办理由', 'err'); return; }
    b.reason = reason;
    doAction('transfer', b);
  });
  $('#p-return').addEventListener('submit', function (ev) {
    ev.preventDefault();
    var reason = $('#ret-reason').value.trim();
    if (!reason) { say('#amsg', '请填写退回理由', 'err'); return; }
    doAction('return', {reason: reason});
  });
  $('#p-triage').addEventListener('submit', function (ev) {
    ev.preventDefault();
    var b = {track: $('#tr-track').value, category: $('#tr-category').value}, n = $('#tr-note').value.trim();
    if (n) b.note = n;
    doAction('triage', b);
  });
  $('#p-notes').addEventListener('submit', function (ev) {
    ev.preventDefault();
    var c = $('#note-text').value.trim();
    if (!c) { say('#amsg', '请填写备注内容', 'err'); return; }
    doAction('notes', {content: c});
  });
  $('#p-risk').addEventListener('submit', function (ev) {
    ev.preventDefault();
    var n = $('#risk-note').value.trim();
    if (!n) { say('#amsg', '请填写风险情况', 'err'); return; }
    doAction('risk', {level: $('#risk-level').value, note: n});
  });
  say('#msg', '正在加载……');
  loadTicket().then(function () { return T && probeRisk(); }).then(function () { if (T) renderActions(); });
}
