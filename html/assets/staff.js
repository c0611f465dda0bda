/* Liaison: the staff console (login, worklist, ticket, administration,
   the case-filing division's pages). */
'use strict';

/* who may take which action (mirrors core/lsn_workflow.c; the server decides) */
var RIGHTS = {
  platform_staff: 'triage reply dispatch close transfer notes risk',
  filing_admin: 'triage reply dispatch close transfer notes risk supervise refer',
  judge: 'reply accept return close transfer notes risk',
  dept_staff: 'reply accept return close notes risk',
  liaison: 'reply dispatch accept return close transfer notes risk',
  dept_leader: 'reply dispatch accept return close transfer notes risk',
  vice_president: 'notes risk supervise', president: 'notes risk supervise refer',
  discipline: 'reply accept return close notes risk conclude', sys_admin: ''
};
var DONE = {triage: '已分流', reply: '已发送答复', dispatch: '已派单',
  accept: '已受理', 'return': '已退回平台', close: '已办结', transfer: '已转办',
  notes: '备注已保存', risk: '风险预警已上报', supervise: '已列入专项督办',
  refer: '已移送纪检监察', conclude: '移送事项已办结'};
/* the pages each role can use: links to nothing else */
var WORKERS = {platform_staff: 1, filing_admin: 1, judge: 1, dept_staff: 1, liaison: 1,
  dept_leader: 1, vice_president: 1, president: 1};
var LEADS = {dept_leader: 1, vice_president: 1, president: 1, filing_admin: 1, liaison: 1, platform_staff: 1};

function role() { return session.get('role') || ''; }
function may(action) { return (' ' + (RIGHTS[role()] || '') + ' ').indexOf(' ' + action + ' ') >= 0; }
function home(r) { return WORKERS[r] ? '/staff/' : '/staff/admin.html'; }
function needLogin() {
  if (session.get('token')) return false;
  toLogin();
  return true;
}

/* the header's links, by role; the current page marked */
function nav() {
  var r = role(), here = location.pathname, links = [];
  if (WORKERS[r]) links.push(['/staff/', '工作台']);
  if (LEADS[r]) links.push(['/staff/leader.html', '领导视图']);
  if (r === 'filing_admin' || r === 'sys_admin') links.push(['/staff/filing.html', '联络员与风险']);
  if (r === 'sys_admin') links.push(['/staff/admin.html', '系统管理']);
  if (r === 'filing_admin') links.push(['/staff/admin.html#canned', '常用答复']);
  var n = $('#nav');
  if (!n) return;
  n.innerHTML = links.map(function (l) {
    var on = here === l[0].split('#')[0] || (here === '/staff/index.html' && l[0] === '/staff/');
    return '<a href="' + l[0] + '"' + (on ? ' aria-current="page"' : '') + '>' + l[1] + '</a>';
  }).join('') + '<span class="who">' + esc((session.get('name') || session.get('user') || '') + ' · ' + label('role', r)) +
    '</span><button id="logout" type="button" class="sec">退出</button>';
  $('#logout').addEventListener('click', logout);
}

PAGES.login = function () {
  var f = $('#f');
  f.addEventListener('submit', function (ev) {
    ev.preventDefault();
    clearErrs(f);
    var u = $('#username').value.trim(), p = $('#password').value;
    if (!u) { fieldErr(f, 'username', '请输入用户名'); return; }
    if (!p) { fieldErr(f, 'password', '请输入密码'); return; }
    $('#login').disabled = true;
    say('#msg', '正在登录……');
    api('POST', '/staff/login', {username: u, password: p}).then(function (r) {
      $('#login').disabled = false;
      if (r.status === 0) { sayRetry('#msg', errText(r), function () { f.requestSubmit(); }); return; }
      if (r.status !== 200) {
        say('#msg', r.status === 401 ? '用户名或密码错误' : errText(r), 'err');
        return;
      }
      session.set('token', r.json.token);
      session.set('role', r.json.role);
      session.set('user', u);
      session.set('name', r.json.name || null);
      session.set('dept', r.json.department ? String(r.json.department.id) : null);
      session.set('dept_name', r.json.department ? r.json.department.name : null);
      location.href = safeNext(qs('next')) || home(r.json.role);
    });
  });
};

function logout() {
  api('POST', '/staff/logout', undefined, {auth: true}).then(function () {
    try { sessionStorage.clear(); } catch (e) {}
    location.href = '/staff/login.html';
  });
}

function badges(t) {
  var b = '<span class="badge ' + (t.status === 'closed' ? 'b-closed' : 'b-st') + '">' + esc(label('status', t.status)) + '</span>';
  if (t.risk) b += '<span class="badge b-risk">风险' + (t.risk.stage ? '·' + esc(label('risk_stage', t.risk.stage)) : '') + '</span>';
  if (t.supervised) b += '<span class="badge b-sup">专项督办</span>';
  if (t.overdue) b += '<span class="badge b-over">超期</span>';
  if (t.escalation_level > 0) b += '<span class="badge b-esc">' + esc(label('escalation', String(t.escalation_level))) + '</span>';
  b += '<span class="badge">' + esc(label('track', t.track)) + '</span>';
  return b;
}

/* ---- the worklist ---- */

PAGES.worklist = function () {
  if (needLogin()) return;
  if (!WORKERS[role()]) { location.replace(home(role())); return; }
  nav();
  var F = ['overdue', 'escalated', 'mine', 'risk', 'all'];
  var saved = {};
  try { saved = JSON.parse(session.get('filters') || '{}') || {}; } catch (e) {}
  var page = saved.page || 1, per = 20, busy = false;
  $('#f-status').innerHTML = '<option value="">待办状态</option>' + Object.keys(L.status).map(function (s) {
    return '<option value="' + esc(s) + '">' + esc(L.status[s]) + '</option>';
  }).join('');
  $('#f-track').innerHTML = '<option value="">全部类型</option>' + Object.keys(L.track).map(function (s) {
    return '<option value="' + esc(s) + '">' + esc(L.track[s]) + '</option>';
  }).join('');
  $('#f-status').value = saved.status || '';
  $('#f-track').value = saved.track || '';
  $('#q').value = saved.q || '';
  F.forEach(function (k) { $('#f-' + k).checked = !!saved[k]; });

  function pager(on) {
    busy = !on;
    $('#list').setAttribute('aria-busy', on ? 'false' : 'true');
    $all('.pager button, .filters select, .filters input, #search button').forEach(function (b) { b.disabled = !on; });
  }
  function load() {
    var f = {status: $('#f-status').value, track: $('#f-track').value, q: $('#q').value.trim(), page: page};
    F.forEach(function (k) { f[k] = $('#f-' + k).checked; });
    session.set('filters', JSON.stringify(f));
    var q = '?page=' + page + '&per_page=' + per;
    if (f.status) q += '&status=' + f.status;
    if (f.track) q += '&track=' + f.track;
    if (f.q) q += '&q=' + encodeURIComponent(f.q);
    F.forEach(function (k) { if (f[k]) q += '&' + k + '=1'; });
    say('#msg', '正在加载……');
    pager(false);
    api('GET', '/staff/tickets' + q, null, {auth: true}).then(function (r) {
      pager(true);
      if (r.status === 0 || r.status === 503) { sayRetry('#msg', errText(r), load); return; }
      if (r.status !== 200) {
        $('#list').innerHTML = '';
        if (r.json && r.json.error && r.json.error.field === 'q') { fieldErr($('#search'), 'q', r.json.error.message); say('#msg', ''); return; }
        say('#msg', r.status === 403 ? '您的角色没有诉求工作台' : errText(r), 'err');
        return;
      }
      var items = r.json.items, total = r.json.total, pages = Math.max(1, Math.ceil(total / per));
      say('#msg', total ? '' : (f.q ? '没有找到“' + f.q + '”' : '没有符合条件的诉求'));
      $('#total').textContent = '共 ' + total + ' 件 · 第 ' + page + '/' + pages + ' 页';
      $('#prev').disabled = page <= 1;
      $('#next').disabled = page >= pages;
      $('#list').innerHTML = items.map(function (t) {
        var who = [t.department && t.department.name, t.assignee && t.assignee.name].filter(Boolean).join(' · ');
        return '<li class="card item' + (t.risk ? ' risky' : '') + '" data-no="' + esc(t.ticket_no) + '"><a href="/staff/ticket.html?no=' + esc(t.ticket_no) + '">' +
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
  $('#search').addEventListener('submit', function (ev) {
    ev.preventDefault();
    clearErrs($('#search'));
    page = 1;
    load();
  });
  $('#prev').addEventListener('click', function () { if (!busy && page > 1) { page--; load(); } });
  $('#next').addEventListener('click', function () { if (!busy) { page++; load(); } });
  load();
};

/* ---- the ticket ---- */

var T = null, DEPTS = null;
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
  case 'notes': case 'risk': return true;
  case 'supervise': return !T.supervised && s !== 'closed';
  case 'refer': return T.supervised && s !== 'closed' && !(T.supervision && T.supervision.referred_at);
  case 'conclude': return !!(T.supervision && T.supervision.referred_at && !T.supervision.referral_concluded_at);
  }
  return false;
}

var SUP_REASON = {complaints: '同一事项重复投诉', rating: '当事人评价不满意',
  idle: '工单长期无办理动作', manual: '院领导或立案庭交办'};

function supervisionText(s) {
  if (!s) return '否';
  var t = (SUP_REASON[s.reason] || s.reason) + '（' + fmt(s.since) + ' 起）';
  if (s.referred_at) t += ' · ' + fmt(s.referred_at) + ' 移送纪检监察';
  if (s.referral_concluded_at) t += ' · ' + fmt(s.referral_concluded_at) + ' 纪检办结';
  return t;
}

function renderActions() {
  var names = {triage: '分流', reply: T.track === 'simple' ? '答复' : '回复',
    dispatch: T.status === 'dispatched' ? '改派' : '派单', accept: '受理',
    'return': '退回', close: '办结', transfer: '转办', notes: '内部备注', risk: '风险预警',
    supervise: '专项督办', refer: '移送纪检', conclude: '纪检办结'};
  var list = ['accept', 'reply', 'dispatch', 'close', 'transfer', 'return', 'triage', 'notes', 'risk',
    'supervise', 'refer', 'conclude'].filter(allowed);
  $('#actions').innerHTML = list.length ? list.map(function (a) {
    return '<button type="button" class="' + ({notes: 1, risk: 1, 'return': 1, supervise: 1, refer: 1}[a] ? 'sec' : '') + '" data-a="' + a + '" id="a-' + a + '">' + names[a] + '</button>';
  }).join('') : '<p class="muted">当前没有可进行的操作</p>';
}

function showPanel(a) {
  $all('.panel').forEach(function (p) { p.classList.toggle('on', p.id === 'p-' + a); clearErrs(p); });
  say('#amsg', '');
  if (a === 'reply') loadCanned();
  if (a === 'dispatch' || a === 'transfer') loadDepts(a === 'dispatch' ? 'd' : 'x', a);
  if (a === 'triage') {
    $('#tr-track').innerHTML = Object.keys(L.track).map(function (c) {
      return '<option value="' + c + '"' + (c === T.track ? ' selected' : '') + '>' + esc(L.track[c]) + '</option>';
    }).join('');
    $('#tr-category').innerHTML = Object.keys(L.category).map(function (c) {
      return '<option value="' + c + '"' + (c === T.category ? ' selected' : '') + '>' + esc(L.category[c]) + '</option>';
    }).join('');
  }
  if (a === 'risk') {
    $('#risk-level').innerHTML = Object.keys(L.risk_level).map(function (c) {
      return '<option value="' + c + '">' + esc(L.risk_level[c]) + '</option>';
    }).join('');
  }
  var p = $('#p-' + a);
  if (p) p.scrollIntoView({block: 'nearest'});
}

function doAction(a, body, form) {
  say('#amsg', '正在提交……');
  $all('#actions button, .panel button').forEach(function (b) { b.disabled = true; });
  return api('POST', '/staff/tickets/' + NO + '/' + a, body, {auth: true}).then(function (r) {
    $all('#actions button, .panel button').forEach(function (b) { b.disabled = false; });
    if (r.status === 0 || r.status === 503) { sayRetry('#amsg', errText(r), function () { doAction(a, body, form); }); return; }
    if (r.status !== 200 && r.status !== 201) { showErr(form || $('#view'), '#amsg', r); return; }
    $all('.panel').forEach(function (p) { p.classList.remove('on'); p.reset(); });
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

/* everything on the page comes from the server's view of the ticket */
function loadTicket() {
  return api('GET', '/tickets/' + NO, null, {auth: true}).then(function (r) {
    if (r.status === 0 || r.status === 503) { sayRetry('#msg', errText(r), loadTicket); return; }
    if (r.status !== 200) {
      say('#msg', r.status === 404 ? '未找到该诉求，或不在您的办理范围内' : errText(r), 'err');
      $('#view').hidden = true;
      return;
    }
    T = r.json;
    var overdue = T.due_at && new Date(T.due_at) < new Date() && {registered: 1, dispatched: 1, accepted: 1, reopened: 1}[T.status];
    $('#badges').innerHTML = badges({status: T.status, track: T.track, risk: T.risk, supervised: T.supervised,
      escalation_level: T.escalation_level, overdue: overdue});
    $('#t-no').textContent = T.ticket_no;
    $('#t-status').textContent = label('status', T.status);
    $('#t-category').textContent = label('category', T.category) + ' · ' + label('track', T.track);
    $('#t-channel').textContent = label('channel', T.channel);
    $('#t-case').textContent = T.case_no || '—';
    $('#t-dept').textContent = T.department ? T.department.name : '—';
    $('#t-handler').textContent = T.assignee ? T.assignee.name : (T.department ? '部门内待领办' : '未派单');
    $('#t-esc').textContent = T.escalation_level > 0 ? label('escalation', String(T.escalation_level)) : '无';
    $('#t-risk').textContent = T.risk ? '有' + (T.risk.stage ? '（' + label('risk_stage', T.risk.stage) + '）' : '') +
      (T.risk.rules && T.risk.rules.length ? ' · 规则 ' + T.risk.rules.join('、') : '') : '无';
    $('#t-sup').textContent = supervisionText(T.supervision);
    $('#t-created').textContent = fmt(T.created_at);
    $('#t-due').textContent = fmt(T.due_at);
    $('#t-contact').innerHTML = T.contact ? esc(T.contact.name || '') + ' <a class="tel" href="tel:' + esc(T.contact.phone) + '">' + esc(T.contact.phone || '') + '</a>' : '—';
    $('#t-content').textContent = T.content;
    $('#timeline').innerHTML = timelineHtml(T.timeline, true);
    $('#atts').innerHTML = attachmentsHtml(T.attachments);
    attachmentActions($('#atts'), T.attachments, function (id) { return '/tickets/' + NO + '/attachments/' + id; }, {auth: true}, '#umsg');
    renderActions();
    say('#msg', '');
    $('#view').hidden = false;
  });
}

PAGES.ticket = function () {
  if (needLogin()) return;
  nav();
  NO = qs('no');
  if (!NO || !/^\d+$/.test(NO)) { say('#msg', '诉求编号不正确', 'err'); return; }
  $('#title').textContent = '诉求 ' + NO;
  $('#actions').addEventListener('click', function (ev) {
    var a = ev.target.getAttribute && ev.target.getAttribute('data-a');
    if (!a) return;
    if (a === 'accept' || a === 'close') doAction(a, undefined);
    else showPanel(a);
  });
  function on(id, fn) {
    $('#' + id).addEventListener('submit', function (ev) { ev.preventDefault(); clearErrs(this); fn(this); });
  }
  on('p-reply', function (f) {
    var c = $('#reply-text').value.trim();
    if (!c) { fieldErr(f, 'content', '请填写答复内容'); return; }
    doAction('reply', {content: c, close: $('#reply-close').checked}, f);
  });
  on('p-dispatch', function (f) {
    var b = target('d'), n = $('#d-note').value.trim();
    if (n) b.note = n;
    doAction('dispatch', b, f);
  });
  on('p-transfer', function (f) {
    var b = target('x'), reason = $('#x-reason').value.trim();
    if (!b.department && !b.assignee) { fieldErr(f, 'department', '请选择转办部门'); return; }
    if (!reason) { fieldErr(f, 'reason', '请填写转办理由'); return; }
    b.reason = reason;
    doAction('transfer', b, f);
  });
  on('p-return', function (f) {
    var reason = $('#ret-reason').value.trim();
    if (!reason) { fieldErr(f, 'reason', '请填写退回理由'); return; }
    doAction('return', {reason: reason}, f);
  });
  on('p-triage', function (f) {
    var b = {track: $('#tr-track').value, category: $('#tr-category').value}, n = $('#tr-note').value.trim();
    if (n) b.note = n;
    doAction('triage', b, f);
  });
  on('p-notes', function (f) {
    var c = $('#note-text').value.trim();
    if (!c) { fieldErr(f, 'content', '请填写备注内容'); return; }
    doAction('notes', {content: c}, f);
  });
  on('p-risk', function (f) {
    var n = $('#risk-note').value.trim();
    if (!n) { fieldErr(f, 'note', '请填写风险情况'); return; }
    doAction('risk', {level: $('#risk-level').value, note: n}, f);
  });
  [['supervise', 'sup-note', '请填写督办意见'], ['refer', 'refer-note', '请填写移送理由'],
    ['conclude', 'conclude-note', '请填写督查结论']].forEach(function (x) {
    on('p-' + x[0], function (f) {
      var n = $('#' + x[1]).value.trim();
      if (!n) { fieldErr(f, 'note', x[2]); return; }
      doAction(x[0], {note: n}, f);
    });
  });
  filePicker($('#u-file'), $('#u-name'));
  on('up', function (f) {
    var file = $('#u-file').files[0];
    if (!file) { fieldErr(f, 'file', '请选择文件'); return; }
    var fd = new FormData();
    fd.append('file', file, file.name);
    $('#u-go').disabled = true;
    say('#umsg', '正在上传……');
    api('POST', '/staff/tickets/' + NO + '/attachments?purpose=' + $('#u-purpose').value, fd, {auth: true, timeout: 120000}).then(function (r) {
      $('#u-go').disabled = false;
      if (r.status !== 201) { showErr(f, '#umsg', r, '上传失败'); return; }
      f.reset();
      loadTicket().then(function () { say('#umsg', '已上传：' + r.json.filename, 'ok'); });
    });
  });
  say('#msg', '正在加载……');
  loadTicket();
};

/* ---- system administration: accounts, departments, canned answers ---- */

var ROLES_IN_DEPT = {judge: 1, dept_staff: 1, liaison: 1, dept_leader: 1, discipline: 1};

function options(map, value, empty) {
  return (empty ? '<option value="">' + esc(empty) + '</option>' : '') + Object.keys(map).map(function (k) {
    return '<option value="' + esc(k) + '"' + (String(k) === String(value) ? ' selected' : '') + '>' + esc(map[k]) + '</option>';
  }).join('');
}

PAGES.admin = function () {
  if (needLogin()) return;
  nav();
  var r0 = role();
  if (r0 !== 'sys_admin' && r0 !== 'filing_admin') { say('#msg', '本页面供系统管理员使用', 'err'); return; }
  if (r0 !== 'sys_admin') $all('.admin-only').forEach(function (s) { s.hidden = true; });
  var depts = [], deptMap = {}, staffMap = {};

  function loadAll() {
    say('#msg', '正在加载……');
    var jobs = [loadCannedList()];
    if (r0 === 'sys_admin') jobs.push(loadDeptsAccounts());
    return Promise.all(jobs).then(function (ok) {
      if (ok.indexOf(false) >= 0) return;
      say('#msg', '');
    });
  }
  function loadDeptsAccounts() {
    return Promise.all([api('GET', '/staff/departments', null, {auth: true}),
      api('GET', '/staff/accounts', null, {auth: true})]).then(function (rs) {
      if (rs[0].status !== 200 || rs[1].status !== 200) { sayRetry('#msg', errText(rs[0].status !== 200 ? rs[0] : rs[1]), loadAll); return false; }
      depts = rs[0].json.items;
      deptMap = {};
      depts.forEach(function (d) { deptMap[d.id] = d.name; });
      staffMap = {};
      rs[1].json.items.forEach(function (s) { staffMap[s.id] = s.name + '（' + label('role', s.role) + '）'; });
      $('#a-dept').innerHTML = options(deptMap, '', '（不属于部门）');
      $('#a-role').innerHTML = options(L.role, 'judge');
      $('#accounts').innerHTML = rs[1].json.items.map(function (s) {
        return '<li class="ld" data-id="' + s.id + '" data-user="' + esc(s.username) + '"><details><summary><span>' + esc(s.username + ' · ' + s.name) +
          ' <span class="hint">' + esc(label('role', s.role) + (s.department_id && deptMap[s.department_id] ? ' · ' + deptMap[s.department_id] : '')) + '</span></span>' +
          (s.active ? (s.locked ? '<span class="badge b-over">已锁定</span>' : '<span class="badge b-closed">启用</span>') : '<span class="badge">停用</span>') +
          '</summary><form class="acct" novalidate><div class="grid">' +
          '<div class="fld"><label>姓名<input name="name" data-field="name" value="' + esc(s.name) + '" maxlength="64"></label></div>' +
          '<div class="fld"><label>角色<select name="role" data-field="role">' + options(L.role, s.role) + '</select></label></div>' +
          '<div class="fld"><label>部门<select name="department_id" data-field="department_id">' + options(deptMap, s.department_id || '', '（不属于部门）') + '</select></label></div>' +
          '<div class="fld"><label>手机<input name="mobile" data-field="mobile" value="' + esc(s.mobile || '') + '" maxlength="20"></label></div>' +
          '<div class="fld"><label>企业微信账号<input name="wecom_userid" data-field="wecom_userid" value="' + esc(s.wecom_userid || '') + '" maxlength="64"></label></div>' +
          '<div class="fld"><label>新密码（留空不改）<input name="password" data-field="password" type="password" autocomplete="new-password" maxlength="256"></label></div>' +
          '</div><label class="chk"><input type="checkbox" name="active"' + (s.active ? ' checked' : '') + '>启用</label>' +
          '<button type="submit" class="sec">保存</button><div class="msg"></div></form></details></li>';
      }).join('');
      $('#depts').innerHTML = depts.map(function (d) {
        var people = {};
        (d.staff || []).forEach(function (s) { people[s.id] = s.name + '（' + label('role', s.role) + '）'; });
        return '<li class="ld" data-id="' + d.id + '" data-code="' + esc(d.code) + '"><details><summary><span>' + esc(d.name) +
          ' <span class="hint">' + esc((d.staff || []).length + ' 人') + '</span></span></summary><form class="dept" novalidate><div class="grid">' +
          '<div class="fld"><label>名称<input name="name" data-field="name" value="' + esc(d.name) + '" maxlength="100"></label></div>' +
          '<div class="fld"><label>部门负责人<select name="leader_staff_id" data-field="leader_staff_id">' + options(people, d.leader_staff_id || '', '（未指定）') + '</select></label></div>' +
          '<div class="fld"><label>分管院领导<select name="vice_president_staff_id" data-field="vice_president_staff_id">' + options(staffMap, d.vice_president_staff_id || '', '（未指定）') + '</select></label></div>' +
          '</div><p class="hint">代码 ' + esc(d.code) + ' · ' + ({filing: '立案庭', president_office: '院长办公室', discipline: '纪检监察', trial_mgmt: '审判管理办公室', political: '政治部', office: '综合部门'}[d.kind] || '审判部门') + ' · ' + (d.staff || []).length + ' 人</p>' +
          '<button type="submit" class="sec">保存</button><div class="msg"></div></form></details></li>';
      }).join('');
      return true;
    });
  }
  function loadCannedList() {
    return api('GET', '/staff/canned-answers', null, {auth: true}).then(function (r) {
      if (r.status !== 200) { sayRetry('#msg', errText(r), loadAll); return false; }
      $('#c-category').innerHTML = options(L.category, 'consultation');
      $('#canned').innerHTML = r.json.items.length ? r.json.items.map(function (c) {
        return '<li class="ld" data-id="' + c.id + '"><details><summary><span>' + esc(c.title) + ' <span class="hint">' + esc(label('category', c.category)) +
          '</span></span></summary><form class="cann" novalidate><div class="fld"><label>类别<select name="category" data-field="category">' + options(L.category, c.category) + '</select></label></div>' +
          '<div class="fld"><label>标题<input name="title" data-field="title" value="' + esc(c.title) + '" maxlength="100"></label></div>' +
          '<div class="fld"><label>答复内容<textarea name="body" data-field="body" maxlength="2000">' + esc(c.body) + '</textarea></label></div>' +
          '<div class="row"><button type="submit" class="sec">保存</button><button type="button" class="sec c-del">删除</button></div><div class="msg"></div></form></details></li>';
      }).join('') : '<li class="muted">暂无常用答复</li>';
      return true;
    });
  }
  function send(form, method, path, body, okText) {
    var m = $('.msg', form) || $('#msg');
    clearErrs(form);
    $all('button', form).forEach(function (b) { b.disabled = true; });
    say(m, '正在保存……');
    return api(method, path, body, {auth: true}).then(function (r) {
      $all('button', form).forEach(function (b) { b.disabled = false; });
      if (r.status === 0) { sayRetry(m, errText(r), function () { send(form, method, path, body, okText); }); return null; }
      if (r.status !== 200 && r.status !== 201) { showErr(form, m, r); return null; }
      say(m, okText, 'ok');
      return r;
    });
  }
  function val(form, name) { var el = form.elements[name]; return el ? el.value.trim() : ''; }

  $('#accounts').addEventListener('submit', function (ev) {
    ev.preventDefault();
    var f = ev.target, id = f.closest('li').getAttribute('data-id');
    var b = {name: val(f, 'name'), role: val(f, 'role'), active: f.elements.active.checked,
      wecom_userid: val(f, 'wecom_userid') || null};
    if (val(f, 'department_id')) b.department_id = +val(f, 'department_id');
    if (val(f, 'mobile')) b.mobile = val(f, 'mobile');
    if (!b.name) { fieldErr(f, 'name', '请填写姓名'); return; }
    var pw = f.elements.password.value;
    if (pw && pw.length < 10) { fieldErr(f, 'password', '密码至少 10 个字符'); return; }
    send(f, 'PUT', '/staff/accounts/' + id, b, '已保存').then(function (r) {
      if (r && pw) send(f, 'POST', '/staff/accounts/' + id + '/password', {password: pw}, '已保存，密码已重置');
    });
  });
  $('#a-new').addEventListener('submit', function (ev) {
    ev.preventDefault();
    var f = ev.target;
    var b = {username: val(f, 'username'), name: val(f, 'name'), role: val(f, 'role'), password: f.elements.password.value};
    if (val(f, 'department_id')) b.department_id = +val(f, 'department_id');
    if (val(f, 'mobile')) b.mobile = val(f, 'mobile');
    if (val(f, 'wecom_userid')) b.wecom_userid = val(f, 'wecom_userid');
    clearErrs(f);
    if (!b.username) { fieldErr(f, 'username', '请填写用户名'); return; }
    if (!b.name) { fieldErr(f, 'name', '请填写姓名'); return; }
    if (ROLES_IN_DEPT[b.role] && !b.department_id) { fieldErr(f, 'department_id', '该角色须属于一个部门'); return; }
    if (b.password.length < 10) { fieldErr(f, 'password', '密码至少 10 个字符'); return; }
    send(f, 'POST', '/staff/accounts', b, '已新增账户').then(function (r) { if (r) { f.reset(); loadDeptsAccounts(); } });
  });
  $('#depts').addEventListener('submit', function (ev) {
    ev.preventDefault();
    var f = ev.target, id = f.closest('li').getAttribute('data-id');
    send(f, 'PUT', '/staff/departments/' + id, {name: val(f, 'name'),
      leader_staff_id: +val(f, 'leader_staff_id') || null,
      vice_president_staff_id: +val(f, 'vice_president_staff_id') || null}, '已保存');
  });
  $('#d-new').addEventListener('submit', function (ev) {
    ev.preventDefault();
    var f = ev.target;
    clearErrs(f);
    if (!val(f, 'code')) { fieldErr(f, 'code', '请填写部门代码'); return; }
    if (!val(f, 'name')) { fieldErr(f, 'name', '请填写部门名称'); return; }
    send(f, 'POST', '/staff/departments', {code: val(f, 'code'), name: val(f, 'name'), kind: val(f, 'kind')},
      '已新增部门').then(function (r) { if (r) { f.reset(); loadDeptsAccounts(); } });
  });
  $('#canned').addEventListener('submit', function (ev) {
    ev.preventDefault();
    var f = ev.target, id = f.closest('li').getAttribute('data-id');
    send(f, 'PUT', '/staff/canned-answers/' + id, {category: val(f, 'category'), title: val(f, 'title'), body: val(f, 'body')}, '已保存');
  });
  $('#canned').addEventListener('click', function (ev) {
    if (!ev.target.classList.contains('c-del')) return;
    var f = ev.target.closest('form'), id = f.closest('li').getAttribute('data-id');
    send(f, 'DELETE', '/staff/canned-answers/' + id, undefined, '已删除').then(function (r) { if (r) loadCannedList(); });
  });
  $('#c-new').addEventListener('submit', function (ev) {
    ev.preventDefault();
    var f = ev.target;
    clearErrs(f);
    if (!val(f, 'title')) { fieldErr(f, 'title', '请填写标题'); return; }
    if (!val(f, 'body')) { fieldErr(f, 'body', '请填写答复内容'); return; }
    send(f, 'POST', '/staff/canned-answers', {category: val(f, 'category'), title: val(f, 'title'), body: val(f, 'body')},
      '已新增').then(function (r) { if (r) { f.reset(); loadCannedList(); } });
  });
  loadAll();
};

/* ---- the case-filing division: the liaison directory, risks ---- */

PAGES.filing = function () {
  if (needLogin()) return;
  nav();
  var r0 = role();
  if (r0 !== 'filing_admin' && r0 !== 'sys_admin') { say('#msg', '本页面供立案庭和系统管理员使用', 'err'); return; }
  var STAGES = Object.keys(L.risk_stage);
  function today() { var d = new Date(); return d.getFullYear() + '-' + ('0' + (d.getMonth() + 1)).slice(-2) + '-' + ('0' + d.getDate()).slice(-2); }

  function directory() {
    return Promise.all([api('GET', '/staff/departments', null, {auth: true}), api('GET', '/staff/liaisons', null, {auth: true})]).then(function (rs) {
      if (rs[0].status !== 200 || rs[1].status !== 200) { sayRetry('#msg', errText(rs[0].status !== 200 ? rs[0] : rs[1]), directory); return; }
      var cur = {};
      (rs[1].json.items || []).forEach(function (l) { if (!cur[l.department_id] || l.id > cur[l.department_id].id) cur[l.department_id] = l; });
      var map = {};
      rs[0].json.items.forEach(function (d) { map[d.id] = d.name; });
      $('#l-dept').innerHTML = options(map, '');
      $('#l-changed').value = $('#l-changed').value || today();
      $('#l-reported').value = $('#l-reported').value || today();
      $('#dir').innerHTML = rs[0].json.items.map(function (d) {
        var l = cur[d.id];
        return '<li class="line"><span>' + esc(d.name) + '</span><span>' + (l ? esc(l.name + ' · ' + (l.office_phone || '')) +
          (l.report_late || l.publish_late ? ' <span class="badge b-over">逾期</span>' : '') : '<span class="badge">未登记</span>') + '</span></li>';
      }).join('');
    });
  }
  function risks() {
    return api('GET', '/staff/risks?open=1', null, {auth: true}).then(function (r) {
      if (r.status === 403) { $('#risk-card').hidden = true; return; }
      if (r.status !== 200) { sayRetry('#rmsg', errText(r), risks); return; }
      var items = r.json.items || [];
      $('#risks').innerHTML = items.length ? items.map(function (k) {
        var next = STAGES[STAGES.indexOf(k.stage) + 1];
        return '<li class="ld" data-risk="' + esc(k.id) + '"><div class="top"><span>#' + esc(k.id) + ' ' +
          (k.ticket_no ? '<a class="tn" href="/staff/ticket.html?no=' + esc(k.ticket_no) + '">' + esc(k.ticket_no) + '</a>' : '') +
          '</span><span class="badge b-risk">' + esc(label('risk_level', k.level)) + '</span></div>' +
          '<div class="sum">' + esc(k.note) + '</div><div class="hint">当前：' + esc(label('risk_stage', k.stage)) + '（' + esc(fmt(k.stage_since)) + ' 起）</div>' +
          (next ? '<form class="adv" novalidate><div class="fld"><label>' + esc(label('risk_stage', next)) + '情况说明<input class="r-note" data-field="note" maxlength="500"></label></div>' +
            '<button type="submit" data-next="' + next + '">推进到' + esc(label('risk_stage', next)) + '</button></form>' : '') + '</li>';
      }).join('') : '<li class="muted">暂无未闭环的风险预警</li>';
    });
  }
  $('#lform').addEventListener('submit', function (ev) {
    ev.preventDefault();
    var f = ev.target, b = {};
    clearErrs(f);
    ['name', 'title', 'office_phone', 'mobile', 'changed_on', 'reported_on'].forEach(function (k) { b[k] = f.elements[k].value.trim(); });
    var miss = ['name', 'title', 'office_phone', 'mobile'].filter(function (k) { return !b[k]; })[0];
    if (miss) { fieldErr(f, miss, '请填写此项'); return; }
    $('#l-go').disabled = true;
    say('#lmsg', '正在保存……');
    api('PUT', '/staff/departments/' + f.elements.department.value + '/liaison', b, {auth: true}).then(function (r) {
      $('#l-go').disabled = false;
      if (r.status !== 200) { showErr(f, '#lmsg', r); return; }
      say('#lmsg', '已登记，将在名录中公布', 'ok');
      directory();
    });
  });
  $('#risks').addEventListener('submit', function (ev) {
    ev.preventDefault();
    var f = ev.target, li = f.closest('li'), b = $('button', f), note = $('.r-note', f).value.trim();
    clearErrs(f);
    if (!note) { fieldErr(f, 'note', '请填写情况说明'); return; }
    b.disabled = true;
    api('POST', '/staff/risks/' + li.getAttribute('data-risk') + '/advance', {stage: b.getAttribute('data-next'), note: note}, {auth: true}).then(function (r) {
      b.disabled = false;
      if (r.status !== 200) { showErr(f, '#rmsg', r); return; }
      say('#rmsg', '已推进到' + label('risk_stage', r.json.stage), 'ok');
      risks();
    });
  });
  say('#msg', '');
  directory();
  if (r0 === 'filing_admin') risks(); else $('#risk-card').hidden = true;
};

/* ---- the monthly bulletin: fetched with the token, then shown as the
   page itself (this page's CSP lets its own styles apply, never a script) */

PAGES.bulletin = function () {
  if (needLogin()) return;
  var m = qs('month');
  if (!/^\d{4}-\d{2}$/.test(m || '')) { say('#msg', '月份不正确', 'err'); return; }
  function load() {
    api('GET', '/staff/reports/monthly?month=' + m + '&format=html', null, {auth: true, blob: true}).then(function (r) {
      if (!r.blob) {
        if (r.status === 0) { sayRetry('#msg', errText(r), load); return; }
        say('#msg', r.status === 404 ? m + ' 的月度通报尚未生成' : errText(r), 'err');
        return;
      }
      location.replace(URL.createObjectURL(new Blob([r.blob], {type: 'text/html;charset=utf-8'})));
    });
  }
  load();
};
