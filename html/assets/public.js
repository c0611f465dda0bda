/* Liaison: the public web / kiosk pages (网、机). */
'use strict';

/*
 * The kiosk (?kiosk=1) forgets: nothing of a visitor is stored, the
 * number and code are shown once, a minute without a touch (or leaving
 * the page) returns to the start, and no link leads to the console.
 */
var KIOSK = qs('kiosk') === '1';
var IDLE_MS = 60000, WARN_MS = 10000;

function kiosk() {
  if (!KIOSK) return;
  document.body.classList.add('kiosk');
  try { sessionStorage.clear(); localStorage.clear(); } catch (e) {}
  $all('a[href^="/"]').forEach(function (a) {
    var h = a.getAttribute('href');
    if (h.indexOf('/staff/') === 0) { a.remove(); return; }
    a.href = h + (h.indexOf('?') < 0 ? '?' : '&') + 'kiosk=1';
  });
  var timer, warn, note = document.createElement('div');
  note.className = 'idle';
  note.hidden = true;
  note.setAttribute('role', 'status');
  document.body.appendChild(note);
  function home() { forget(); location.replace('/?kiosk=1'); }
  function arm() {
    clearTimeout(timer); clearTimeout(warn);
    note.hidden = true;
    warn = setTimeout(function () {
      note.textContent = '无人操作，10 秒后返回首页';
      note.hidden = false;
    }, IDLE_MS - WARN_MS);
    timer = setTimeout(home, IDLE_MS);
  }
  ['pointerdown', 'keydown', 'input', 'touchstart', 'wheel'].forEach(function (t) {
    document.addEventListener(t, arm, {passive: true});
  });
  /* leaving the page, or coming back to it from the history: forgotten */
  window.addEventListener('pagehide', forget);
  window.addEventListener('pageshow', function (ev) { if (ev.persisted) home(); });
  if (location.pathname !== '/' && location.pathname !== '/index.html') arm();
}

/* what the visitor typed and was given goes from the page itself */
function forget() {
  $all('form').forEach(function (f) { f.reset(); });
  $all('[data-secret]').forEach(function (el) { el.textContent = ''; });
  $all('.qr').forEach(function (el) { el.innerHTML = ''; });
  var r = $('#result');
  if (r) { r.hidden = true; $all('#result [id]').forEach(function (el) { if (!el.children.length) el.textContent = ''; }); }
}

PAGES.home = function () {
  kiosk();
  say('#msg', '');
};

PAGES.submit = function () {
  kiosk();
  var f = $('#f'), content = $('#content');
  var idem = randomKey();    /* a retry on a weak link gives the same ticket */
  $('#category').innerHTML = Object.keys(L.category).map(function (c) {
    return '<option value="' + esc(c) + '">' + esc(L.category[c]) + '</option>';
  }).join('');
  content.addEventListener('input', function () {
    $('#count').textContent = content.value.length;
  });
  f.addEventListener('input', function () { idem = randomKey(); });
  f.addEventListener('submit', function (ev) {
    ev.preventDefault();
    clearErrs(f);
    say('#msg', '');
    var body = {channel: KIOSK ? 'kiosk' : 'web', category: $('#category').value, content: content.value.trim()};
    var caseNo = $('#case_no').value.trim();
    var name = $('#name').value.trim(), phone = $('#phone').value.replace(/\s+/g, '');
    if (!body.content) { fieldErr(f, 'content', '请填写诉求内容'); return; }
    if (body.category === 'contact_judge' && !caseNo) { fieldErr(f, 'case_no', '联系法官须填写案号'); return; }
    if (caseNo) body.case_no = caseNo;
    if (name || phone) {
      if (!name) { fieldErr(f, 'contact.name', '请填写联系人'); return; }
      if (!phone) { fieldErr(f, 'contact.phone', '请填写联系电话'); return; }
      body.contact = {name: name, phone: phone};
    }
    send();
    function send() {
      $('#submit').disabled = true;
      say('#msg', '正在提交……');
      api('POST', '/tickets', body, {idem: idem}).then(function (r) {
        $('#submit').disabled = false;
        if (r.status === 0 || r.status === 503) { sayRetry('#msg', errText(r, '提交失败'), send); return; }
        if (r.status !== 201) { showErr(f, '#msg', r, '提交失败，请稍后重试'); return; }
        done(r.json);
      });
    }
  });

  function done(t) {
    $('#r-no').textContent = t.ticket_no;
    $('#r-code').textContent = t.query_code;
    $('#r-track').textContent = label('track', t.track);
    $('#r-due').textContent = fmt(t.due_at) + ' 前';
    if (t.answer && t.answer.content) { $('#r-answer').textContent = t.answer.content; $('#r-answer-box').hidden = false; }
    /* the phone's camera opens the status page; the code stays out of
       the server's logs (after #) */
    var url = location.origin + '/status.html?no=' + encodeURIComponent(t.ticket_no) + '#code=' + encodeURIComponent(t.query_code);
    var q = QR.svg(url, KIOSK ? 360 : 200);
    if (q) $('#r-qr').appendChild(q);
    $('#r-qr').setAttribute('data-url', url);
    if (!KIOSK) {
      session.set('q_no', t.ticket_no);
      session.set('q_code', t.query_code);
    }
    f.reset();
    f.hidden = true;
    $('#done').hidden = false;
    window.scrollTo(0, 0);
  }
  $('#r-print').addEventListener('click', function () { window.print(); });
  $('#r-finish').addEventListener('click', function () {
    forget();
    location.replace(KIOSK ? '/?kiosk=1' : '/');
  });
};

PAGES.status = function () {
  kiosk();
  var f = $('#f'), no = $('#no'), code = $('#code'), T = null;
  /* a phone from the kiosk's QR: the code after #, taken out of the bar */
  var hash = new URLSearchParams(location.hash.slice(1));
  no.value = qs('no') || (KIOSK ? '' : session.get('q_no')) || '';
  code.value = hash.get('code') || (KIOSK ? '' : session.get('q_code')) || '';
  if (location.hash) history.replaceState(null, '', location.pathname + location.search);

  function query() {
    clearErrs(f);
    var n = no.value.replace(/\s+/g, ''), c = code.value.replace(/\s+/g, '').toUpperCase();
    if (!/^\d{8,24}$/.test(n)) { fieldErr(f, 'no', '请填写正确的诉求编号'); return; }
    if (!/^[0-9A-Za-z]{10}$/.test(c)) { fieldErr(f, 'code', '查询码为 10 位字母或数字'); return; }
    say('#msg', '正在查询……');
    $('#query').disabled = true;
    api('GET', '/tickets/' + n + '?query_code=' + encodeURIComponent(c)).then(function (r) {
      $('#query').disabled = false;
      if (r.status === 0 || r.status === 503) { sayRetry('#msg', errText(r), query); return; }
      if (r.status !== 200) {
        $('#result').hidden = true;
        say('#msg', r.status === 404 ? '未找到该诉求，请核对编号和查询码' : errText(r), 'err');
        return;
      }
      say('#msg', '');
      if (!KIOSK) { session.set('q_no', n); session.set('q_code', c); }
      show(r.json, n, c);
    });
  }

  function show(t, n, c) {
    T = t;
    $('#t-status').textContent = label('status', t.status);
    $('#t-status').className = 'badge ' + (t.status === 'closed' ? 'b-closed' : 'b-st');
    $('#t-no').textContent = t.ticket_no;
    $('#t-category').textContent = label('category', t.category);
    $('#t-track').textContent = label('track', t.track);
    $('#t-case').textContent = t.case_no || '—';
    $('#t-created').textContent = fmt(t.created_at);
    $('#t-due').textContent = fmt(t.due_at);
    $('#t-content').textContent = t.content;
    $('#t-timeline').innerHTML = timelineHtml(t.timeline, false);
    $('#t-atts').innerHTML = attachmentsHtml(t.attachments);
    attachmentActions($('#t-atts'), t.attachments, function (id) {
      return '/tickets/' + n + '/attachments/' + id + '?query_code=' + encodeURIComponent(c);
    }, {}, '#umsg');
    $('#up').hidden = t.status === 'closed';
    $('#up').setAttribute('data-no', n);
    $('#up').setAttribute('data-code', c);
    $('#result').hidden = false;
  }

  filePicker($('#u-file'), $('#u-name'));
  $('#up').addEventListener('submit', function (ev) {
    ev.preventDefault();
    var up = $('#up'), file = $('#u-file').files[0];
    clearErrs(up);
    if (!file) { fieldErr(up, 'file', '请选择要上传的照片或 PDF 文件'); return; }
    if (file.size > 10 * 1024 * 1024) { fieldErr(up, 'file', '文件不能超过 10 MB'); return; }
    var fd = new FormData();
    fd.append('file', file, file.name);
    $('#u-go').disabled = true;
    say('#umsg', '正在上传……');
    api('POST', '/tickets/' + up.getAttribute('data-no') + '/attachments?query_code=' +
      encodeURIComponent(up.getAttribute('data-code')), fd, {timeout: 120000}).then(function (r) {
      $('#u-go').disabled = false;
      if (r.status !== 201) { showErr(up, '#umsg', r, '上传失败，请稍后重试'); return; }
      up.reset();
      say('#umsg', '已上传：' + r.json.filename, 'ok');
      query();
    });
  });
  f.addEventListener('submit', function (ev) { ev.preventDefault(); query(); });
  /* on a kiosk nothing is queried by itself: the visitor types */
  if (no.value && code.value) query();
};

PAGES.liaisons = function () {
  kiosk();
  function load() {
    say('#msg', '正在加载……');
    api('GET', '/liaisons').then(function (r) {
      var items = r.status === 200 && r.json && r.json.items;
      if (!items) {
        sayRetry('#msg', '联络员名录暂时无法获取，请稍后再试，或拨打 12368 诉讼服务热线。', load);
        return;
      }
      if (!items.length) { say('#msg', '暂无联络员信息'); return; }
      say('#msg', '');
      $('#list').innerHTML = items.map(function (l) {
        return '<li class="card"><h2>' + esc(l.department) + '</h2><dl class="kv">' +
          '<dt>联络员</dt><dd>' + esc(l.name) + (l.title ? '（' + esc(l.title) + '）' : '') + '</dd>' +
          '<dt>办公电话</dt><dd>' + (l.office_phone ? '<a class="tel" href="tel:' + esc(l.office_phone) + '">' + esc(l.office_phone) + '</a>' : '—') + '</dd>' +
          '<dt>手机</dt><dd>' + esc(l.mobile || '—') + '</dd></dl></li>';
      }).join('');
    });
  }
  load();
};
