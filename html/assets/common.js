/* Liaison: shared helpers of the console and the public pages. */
'use strict';
var API = '/api/v1';
var L = {
  status: {registered: '已登记', answered: '已答复', dispatched: '已派单',
    accepted: '已受理', replied: '已回复', closed: '已办结', reopened: '已重启'},
  track: {simple: '简易', ordinary: '普通工单'},
  category: {case_query: '案件查询', consultation: '诉讼咨询',
    document: '诉讼文书', material: '材料交接', suggestion: '意见建议',
    contact_judge: '联系法官', complaint: '投诉', other: '其他',
    president_mailbox: '院长信箱', petition: '网上信访', report: '举报'},
  channel: {wechat: '微信', web: '网站', kiosk: '一体机', hall: '诉讼服务大厅',
    hotline: '12368 热线'},
  role: {platform_staff: '平台工作人员', judge: '承办法官',
    dept_staff: '部门承办人', liaison: '联络员', dept_leader: '部门负责人',
    vice_president: '分管院领导', president: '院长',
    filing_admin: '立案庭', sys_admin: '系统管理员'},
  event: {registered: '登记', triaged: '分流', answered: '答复',
    dispatched: '派单', accepted: '受理', returned: '退回', replied: '回复',
    closed: '办结', transferred: '转办', note: '内部备注', reopened: '重启',
    risk_raised: '风险预警', message: '当事人补充'},
  escalation: ['', '已报部门负责人', '已报分管院领导', '已报院长']
};

function $(sel, root) { return (root || document).querySelector(sel); }
function $all(sel, root) { return Array.prototype.slice.call((root || document).querySelectorAll(sel)); }

function esc(s) {
  return String(s == null ? '' : s).replace(/[&<>"']/g, function (c) {
    return {'&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;'}[c];
  });
}

function label(kind, v) { return (L[kind] && L[kind][v]) || v || ''; }

/* "2026-11-27T14:07:34+08:00" -> "2026-11-27 14:07" (times are Beijing time) */
function fmt(t) { return t ? String(t).slice(0, 16).replace('T', ' ') : '—'; }

function qs(name) { return new URLSearchParams(location.search).get(name); }

function say(el, text, kind) {
  if (typeof el === 'string') el = $(el);
  if (!el) return;
  el.textContent = text || '';
  el.className = 'msg' + (kind ? ' ' + kind : '');
}

var session = {
  get: function (k) { try { return sessionStorage.getItem('lsn_' + k); } catch (e) { return null; } },
  set: function (k, v) { try { if (v == null) sessionStorage.removeItem('lsn_' + k); else sessionStorage.setItem('lsn_' + k, v); } catch (e) {} }
};

function randomKey() {
  var a = new Uint8Array(12);
  (window.crypto || window.msCrypto).getRandomValues(a);
  return Array.prototype.map.call(a, function (b) { return ('0' + b.toString(16)).slice(-2); }).join('');
}

/*
 * api('GET', '/staff/tickets', null, {auth: true}) -> {status, json}.
 * Never throws: a network failure or timeout gives status 0 with a
 * Chinese message, so pages stay usable on a weak link.
 */
function api(method, path, body, opt) {
  opt = opt || {};
  var headers = {};
  var init = {method: method, headers: headers, cache: 'no-store'};
  if (body !== undefined && body !== null) {
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  if (opt.auth && session.get('token')) headers.Authorization = 'Bearer ' + session.get('token');
  if (opt.idem) headers['Idempotency-Key'] = opt.idem;
  var ctl = window.AbortController ? new AbortController() : null;
  if (ctl) init.signal = ctl.signal;
  var timer = ctl ? setTimeout(function () { ctl.abort(); }, opt.timeout || 20000) : null;
  return fetch(API + path, init).then(function (res) {
    return res.text().then(function (text) {
      var json = null;
      try { json = text ? JSON.parse(text) : null; } catch (e) {}
      return {status: res.status, json: json};
    });
  }, function () {
    return {status: 0, json: {error: {code: 'network', message: '网络不给力，请检查网络后重试'}}};
  }).then(function (r) {
    if (timer) clearTimeout(timer);
    if (opt.auth && r.status === 401) {
      session.set('token', null);
      location.href = '/staff/login.html?next=' + encodeURIComponent(location.pathname + location.search);
    }
    return r;
  });
}

function errText(r, fallback) {
  var e = r && r.json && r.json.error;
  return (e && e.message) || fallback || ('请求失败（' + (r ? r.status : 0) + '）');
}

/* the public timeline of a ticket (both public and staff pages) */
function timelineHtml(tl, staff) {
  if (!tl || !tl.length) return '<p class="muted">暂无记录</p>';
  var pub = {registered: 1, answered: 1, replied: 1, dispatched: 1, accepted: 1, transferred: 1, closed: 1, reopened: 1};
  return '<ol class="tl">' + tl.map(function (e) {
    var internal = staff && !pub[e.type];
    return '<li class="' + (internal ? 'int' : '') + '"><div><b>' + esc(label('event', e.type)) + '</b> ' +
      (internal ? '<span class="badge b-int">内部</span>' : '') +
      '<span class="muted">' + esc(fmt(e.at)) + '</span></div>' +
      (e.note ? '<div class="note">' + esc(e.note) + '</div>' : '') + '</li>';
  }).join('') + '</ol>';
}
