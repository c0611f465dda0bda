/* Liaison: shared helpers of the console and the public pages.  No inline
   script anywhere (the pages' CSP is script-src 'self'): each page names
   itself in <body data-page> and its script registers PAGES[name]. */
'use strict';
var API = '/api/v1';
var PAGES = {};
/* the labels and the court's names come from the server: GET /site */
var L = {status: {}, track: {}, category: {}, channel: {}, role: {}, event: {},
  risk_stage: {}, risk_level: {}, escalation: {}, ladder: {}, purpose: {}, actor: {}};
var COURT = {name: '', short_name: '', unit: '', hotline: '12368'};

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
  el.setAttribute('role', kind === 'err' ? 'alert' : 'status');
}

/* a message with a retry button (a network failure, a 503) */
function sayRetry(el, text, again) {
  if (typeof el === 'string') el = $(el);
  say(el, text, 'err');
  var b = document.createElement('button');
  b.type = 'button';
  b.className = 'sec retry';
  b.textContent = '重试';
  b.addEventListener('click', function () { say(el, ''); again(); });
  el.appendChild(document.createTextNode(' '));
  el.appendChild(b);
}

/* field-level errors: the message under the field, the field marked */
function fieldErr(form, name, text) {
  var f = form.querySelector('[data-field="' + name + '"]') || form.querySelector('#' + name.replace('.', '-'));
  if (!f) return false;
  f.setAttribute('aria-invalid', 'true');
  var box = f.closest('.fld') || f.parentNode;
  var m = box.querySelector('.ferr');
  if (!m) {
    m = document.createElement('div');
    m.className = 'ferr';
    m.id = (f.id || name) + '-err';
    box.appendChild(m);
    f.setAttribute('aria-describedby', m.id);
  }
  m.textContent = text;
  f.focus();
  return true;
}
function clearErrs(form) {
  $all('[aria-invalid]', form).forEach(function (f) { f.removeAttribute('aria-invalid'); });
  $all('.ferr', form).forEach(function (m) { m.textContent = ''; });
}
/* an API error on its field when the form has it, else in the message */
function showErr(form, msg, r, fallback) {
  var e = r && r.json && r.json.error;
  if (e && e.field && fieldErr(form, e.field, e.message)) { say(msg, '请更正标出的内容', 'err'); return; }
  say(msg, errText(r, fallback), 'err');
}

var session = {
  get: function (k) { try { return sessionStorage.getItem('lsn_' + k); } catch (e) { return null; } },
  set: function (k, v) { try { if (v == null) sessionStorage.removeItem('lsn_' + k); else sessionStorage.setItem('lsn_' + k, v); } catch (e) {} }
};

function randomKey() {
  var a = new Uint8Array(12);
  window.crypto.getRandomValues(a);
  return Array.prototype.map.call(a, function (b) { return ('0' + b.toString(16)).slice(-2); }).join('');
}

/* the login page takes back only a path of this site's console */
function safeNext(next) {
  if (!next || next.charAt(0) !== '/' || /[\\\u0000-\u001f\s]/.test(next)) return null;
  try {
    var u = new URL(next, location.origin);
    if (u.origin !== location.origin || u.pathname.indexOf('/staff/') !== 0) return null;
    return u.pathname + u.search;
  } catch (e) { return null; }
}

function toLogin() {
  location.href = '/staff/login.html?next=' + encodeURIComponent(location.pathname + location.search);
}

/*
 * api('GET', '/staff/tickets', null, {auth: true}) -> {status, json}.
 * Never throws: a network failure or timeout gives status 0 with a
 * Chinese message, so pages stay usable on a weak link.  body may be a
 * FormData (a file upload, multipart/form-data).
 */
function api(method, path, body, opt) {
  opt = opt || {};
  var headers = {};
  var init = {method: method, headers: headers, cache: 'no-store', credentials: 'omit'};
  if (body instanceof FormData) {
    init.body = body;
  } else if (body !== undefined && body !== null) {
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  if (opt.auth && session.get('token')) headers.Authorization = 'Bearer ' + session.get('token');
  if (opt.idem) headers['Idempotency-Key'] = opt.idem;
  var ctl = window.AbortController ? new AbortController() : null;
  if (ctl) init.signal = ctl.signal;
  var timer = ctl ? setTimeout(function () { ctl.abort(); }, opt.timeout || 20000) : null;
  return fetch(API + path, init).then(function (res) {
    if (opt.blob) {
      return (res.ok ? res.blob() : res.text()).then(function (x) {
        return res.ok ? {status: res.status, blob: x} : {status: res.status, json: parse(x)};
      });
    }
    return res.text().then(function (text) { return {status: res.status, json: parse(text)}; });
  }, function () {
    return {status: 0, json: {error: {code: 'network', message: '网络不给力，请检查网络后重试'}}};
  }).then(function (r) {
    if (timer) clearTimeout(timer);
    if (opt.auth && r.status === 401) {
      session.set('token', null);
      toLogin();
    }
    return r;
  });
  function parse(t) { try { return t ? JSON.parse(t) : null; } catch (e) { return null; } }
}

function errText(r, fallback) {
  var e = r && r.json && r.json.error;
  return (e && e.message) || fallback || ('请求失败（' + (r ? r.status : 0) + '）');
}

/* GET /site once per page: labels and the court's names, then the page */
function site() {
  return api('GET', '/site').then(function (r) {
    if (r.status !== 200 || !r.json) return false;
    Object.keys(r.json.labels || {}).forEach(function (k) { L[k] = r.json.labels[k]; });
    COURT = r.json.court || COURT;
    $all('[data-court]').forEach(function (el) {
      el.textContent = COURT[el.getAttribute('data-court')] || '';
    });
    return true;
  });
}

function boot() {
  var name = document.body.getAttribute('data-page');
  var msg = $('#msg');
  function go() {
    site().then(function (ok) {
      if (!ok) { sayRetry(msg, '暂时无法连接服务器，请检查网络后重试', go); return; }
      if (PAGES[name]) PAGES[name]();
    });
  }
  go();
}

/* the timeline of a ticket: the server's label and who, in Chinese */
function timelineHtml(tl, staff) {
  if (!tl || !tl.length) return '<p class="muted">暂无记录</p>';
  var pub = {registered: 1, answered: 1, replied: 1, dispatched: 1, accepted: 1, transferred: 1,
    closed: 1, reopened: 1, attachment: 1, message: 1, supervised: 1};
  return '<ol class="tl">' + tl.map(function (e) {
    var internal = staff && !pub[e.type];
    var who = e.actor ? e.actor.name + (staff && e.actor.role && e.actor.kind === 'staff' ? '（' + label('role', e.actor.role) + '）' : '') : '';
    return '<li class="' + (internal ? 'int' : '') + '" data-type="' + esc(e.type) + '"><div><b>' + esc(e.label || label('event', e.type)) + '</b> ' +
      (internal ? '<span class="badge b-int">内部</span>' : '') +
      '<span class="muted">' + esc(fmt(e.at)) + (who ? ' · ' + esc(who) : '') + '</span></div>' +
      (e.note ? '<div class="note">' + (e.type === 'attachment' ? '附件：' : '') + esc(e.note) + '</div>' : '') + '</li>';
  }).join('') + '</ol>';
}

/* attachments: a list with view (images) and download, through fetch so
   the token or the query code never lands in a link */
function attachmentsHtml(list) {
  if (!list || !list.length) return '<p class="muted">暂无附件</p>';
  return '<ul class="list atts">' + list.map(function (a) {
    return '<li class="line" data-att="' + esc(a.id) + '"><span class="fn">' + esc(a.filename) +
      ' <span class="muted">' + esc(label('purpose', a.purpose)) + ' · ' + Math.max(1, Math.round(a.size / 1024)) + ' KB</span></span>' +
      '<span class="row">' + (/^image\//.test(a.content_type) ? '<button type="button" class="sec a-view">查看</button>' : '') +
      '<button type="button" class="sec a-get">下载</button></span><div class="a-img"></div></li>';
  }).join('') + '</ul>';
}
function attachmentActions(box, list, path, opt, msg) {
  box.onclick = function (ev) {
    var b = ev.target.closest('button');
    if (!b) return;
    var li = b.closest('li'), id = li.getAttribute('data-att');
    var a = list.filter(function (x) { return String(x.id) === id; })[0];
    b.disabled = true;
    api('GET', path(id), null, {auth: opt.auth, blob: true}).then(function (r) {
      b.disabled = false;
      if (!r.blob) { say(msg, errText(r, '附件暂时无法获取'), 'err'); return; }
      var url = URL.createObjectURL(r.blob);
      if (b.classList.contains('a-view')) {
        $('.a-img', li).innerHTML = '<img alt="' + esc(a.filename) + '" src="' + url + '">';
      } else {
        var l = document.createElement('a');
        l.href = url;
        l.download = a.filename;
        document.body.appendChild(l);
        l.click();
        l.remove();
      }
    });
  };
}

/* a file picker's chosen name beside it, in Chinese (not the browser's) */
function filePicker(input, name) {
  input.addEventListener('change', function () {
    name.textContent = input.files[0] ? input.files[0].name : '未选择文件';
  });
  input.form.addEventListener('reset', function () { name.textContent = '未选择文件'; });
}

/* ---- QR code (byte mode, error correction M, versions 1-10), as SVG ---- */
var QR = (function () {
  /* per version: data codewords per block of each group, EC per block */
  var M = [null, [[1, 16]], [[1, 28]], [[1, 44]], [[2, 32]], [[2, 43]], [[4, 27]], [[4, 31]],
    [[2, 38], [2, 39]], [[3, 36], [2, 37]], [[4, 43], [1, 44]]];
  var EC = [0, 10, 16, 26, 18, 24, 16, 18, 22, 22, 26];
  var ALIGN = [null, [], [6, 18], [6, 22], [6, 26], [6, 30], [6, 34], [6, 22, 38], [6, 24, 42], [6, 26, 46], [6, 28, 50]];
  function mul(x, y) { var z = 0; for (var i = 7; i >= 0; i--) { z = (z << 1) ^ ((z >>> 7) * 0x11d); z ^= ((y >>> i) & 1) * x; } return z; }
  function ecc(data, n) {
    var div = [], i, j, root = 1, res = [];
    for (i = 0; i < n; i++) div.push(0);
    div[n - 1] = 1;
    for (i = 0; i < n; i++) {
      for (j = 0; j < n; j++) { div[j] = mul(div[j], root); if (j + 1 < n) div[j] ^= div[j + 1]; }
      root = mul(root, 2);
    }
    for (i = 0; i < n; i++) res.push(0);
    data.forEach(function (b) {
      var f = b ^ res.shift();
      res.push(0);
      div.forEach(function (c, k) { res[k] ^= mul(c, f); });
    });
    return res;
  }
  function encode(text) {
    var bytes = Array.prototype.slice.call(new TextEncoder().encode(text));
    var v, cap, groups;
    for (v = 1; v <= 10; v++) {
      groups = M[v];
      cap = groups.reduce(function (s, g) { return s + g[0] * g[1]; }, 0);
      if (4 + (v < 10 ? 8 : 16) + 8 * bytes.length <= 8 * cap) break;
    }
    if (v > 10) return null;
    var bits = [];
    function put(val, len) { for (var i = len - 1; i >= 0; i--) bits.push((val >>> i) & 1); }
    put(4, 4);
    put(bytes.length, v < 10 ? 8 : 16);
    bytes.forEach(function (b) { put(b, 8); });
    put(0, Math.min(4, 8 * cap - bits.length));
    while (bits.length % 8) bits.push(0);
    var data = [];
    for (var i = 0; i < bits.length; i += 8) data.push(parseInt(bits.slice(i, i + 8).join(''), 2));
    for (var pad = 0xec; data.length < cap; pad ^= 0xec ^ 0x11) data.push(pad);
    /* blocks, their EC, interleaved */
    var blocks = [], off = 0;
    groups.forEach(function (g) {
      for (var k = 0; k < g[0]; k++) { var d = data.slice(off, off + g[1]); off += g[1]; blocks.push([d, ecc(d, EC[v])]); }
    });
    var out = [], maxd = groups[groups.length - 1][1];
    for (i = 0; i < maxd; i++) blocks.forEach(function (b) { if (i < b[0].length) out.push(b[0][i]); });
    for (i = 0; i < EC[v]; i++) blocks.forEach(function (b) { out.push(b[1][i]); });
    /* the matrix */
    var size = 17 + 4 * v, mod = [], fn = [];
    for (i = 0; i < size; i++) { mod.push([]); fn.push([]); for (var j = 0; j < size; j++) { mod[i].push(false); fn[i].push(false); } }
    function set(x, y, dark) { mod[y][x] = dark; fn[y][x] = true; }
    for (i = 0; i < size; i++) { set(6, i, i % 2 === 0); set(i, 6, i % 2 === 0); }
    [[3, 3], [size - 4, 3], [3, size - 4]].forEach(function (c) {
      for (var dy = -4; dy <= 4; dy++) for (var dx = -4; dx <= 4; dx++) {
        var x = c[0] + dx, y = c[1] + dy, d = Math.max(Math.abs(dx), Math.abs(dy));
        if (x >= 0 && x < size && y >= 0 && y < size) set(x, y, d !== 2 && d !== 4);
      }
    });
    var al = ALIGN[v], n = al.length;
    for (i = 0; i < n; i++) for (j = 0; j < n; j++) {
      if ((i === 0 && j === 0) || (i === 0 && j === n - 1) || (i === n - 1 && j === 0)) continue;
      for (var ay = -2; ay <= 2; ay++) for (var ax = -2; ax <= 2; ax++) set(al[i] + ax, al[j] + ay, Math.max(Math.abs(ax), Math.abs(ay)) !== 1);
    }
    /* format (level M = 0, mask 0) and version information */
    var fd = 0, rem = fd;
    for (i = 0; i < 10; i++) rem = (rem << 1) ^ ((rem >>> 9) * 0x537);
    var fb = ((fd << 10) | rem) ^ 0x5412;
    function bit(x, k) { return ((x >>> k) & 1) !== 0; }
    for (i = 0; i <= 5; i++) set(8, i, bit(fb, i));
    set(8, 7, bit(fb, 6)); set(8, 8, bit(fb, 7)); set(7, 8, bit(fb, 8));
    for (i = 9; i < 15; i++) set(14 - i, 8, bit(fb, i));
    for (i = 0; i < 8; i++) set(size - 1 - i, 8, bit(fb, i));
    for (i = 8; i < 15; i++) set(8, size - 15 + i, bit(fb, i));
    set(8, size - 8, true);
    if (v >= 7) {
      rem = v;
      for (i = 0; i < 12; i++) rem = (rem << 1) ^ ((rem >>> 11) * 0x1f25);
      var vb = (v << 12) | rem;
      for (i = 0; i < 18; i++) { var a = size - 11 + i % 3, b = Math.floor(i / 3); set(a, b, bit(vb, i)); set(b, a, bit(vb, i)); }
    }
    /* the codewords in the zigzag, mask 0: (x + y) even flips */
    var k = 0;
    for (var right = size - 1; right >= 1; right -= 2) {
      if (right === 6) right = 5;
      for (var vert = 0; vert < size; vert++) for (j = 0; j < 2; j++) {
        var x = right - j, up = ((right + 1) & 2) === 0, y = up ? size - 1 - vert : vert;
        if (fn[y][x]) continue;
        var dark = k < out.length * 8 ? bit(out[k >>> 3], 7 - (k & 7)) : false;
        k++;
        mod[y][x] = dark !== ((x + y) % 2 === 0);
      }
    }
    return mod;
  }
  /* an <svg> of the code with its quiet zone */
  function svg(text, px) {
    var m = encode(text);
    if (!m) return null;
    var n = m.length + 8, ns = 'http://www.w3.org/2000/svg', s = document.createElementNS(ns, 'svg'), d = '';
    s.setAttribute('viewBox', '0 0 ' + n + ' ' + n);
    s.setAttribute('width', px);
    s.setAttribute('height', px);
    s.setAttribute('role', 'img');
    s.setAttribute('shape-rendering', 'crispEdges');
    m.forEach(function (row, y) { row.forEach(function (on, x) { if (on) d += 'M' + (x + 4) + ' ' + (y + 4) + 'h1v1h-1z'; }); });
    var bg = document.createElementNS(ns, 'rect');
    bg.setAttribute('width', n); bg.setAttribute('height', n); bg.setAttribute('fill', '#fff');
    var p = document.createElementNS(ns, 'path');
    p.setAttribute('d', d); p.setAttribute('fill', '#000');
    s.appendChild(bg); s.appendChild(p);
    return s;
  }
  return {encode: encode, svg: svg};
})();

/* the pages start once the document is parsed: after every script of the
   page has run (a timer could fire while the parser still waits for the
   page's own script, and GET /site answer before it registers PAGES[name]) */
if (document.body && document.body.getAttribute('data-page')) {
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', boot);
  else boot();
}
