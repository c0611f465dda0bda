/* Liaison: the public web / kiosk pages (网、机). */
'use strict';

var KIOSK = qs('kiosk') === '1';

function kioskLinks() {
  if (!KIOSK) return;
  document.body.className = 'kiosk';
  $all('a[href^="/"]').forEach(function (a) {
    if (a.getAttribute('href').indexOf('/staff/') !== 0) {
      a.href = a.getAttribute('href') + (a.getAttribute('href').indexOf('?') < 0 ? '?' : '&') + 'kiosk=1';
    }
  });
}

function pageSubmit() {
  kioskLinks();
  var f = $('#f'), content = $('#content');
  var idem = randomKey();    /* a retry on a weak link gives the same ticket */
  content.addEventListener('input', function () {
    $('#count').textContent = content.value.length;
  });
  f.addEventListener('input', function () { idem = randomKey(); });
  f.addEventListener('submit', function (ev) {
    ev.preventDefault();
    var body = {
      channel: KIOSK ? 'kiosk' : 'web',
      category: $('#category').value,
      content: content.value.trim()
    };
    var caseNo = $('#case_no').value.trim();
    var name = $('#name').value.trim(), phone = $('#phone').value.trim();
    if (!body.content) { say('#msg', '请填写诉求内容', 'err'); content.focus(); return; }
    if (body.category === 'contact_judge' && !caseNo) {
      say('#msg', '联系法官须填写案号', 'err'); $('#case_no').focus(); return;
    }
    if (caseNo) body.case_no = caseNo;
    if (name || phone) {
      if (!name || !phone) { say('#msg', '请同时填写联系人和联系电话', 'err'); return; }
      body.contact = {name: name, phone: phone};
    }
    $('#submit').disabled = true;
    say('#msg', '正在提交……');
    api('POST', '/tickets', body, {idem: idem}).then(function (r) {
      $('#submit').disabled = false;
      if (r.status !== 201) { say('#msg', errText(r, '提交失败，请稍后重试'), 'err'); return; }
      var t = r.json;
      $('#r-no').textContent = t.ticket_no;
      $('#r-code').textContent = t.query_code;
      $('#r-track').textContent = label('track', t.track);
      $('#r-due').textContent = fmt(t.due_at) + ' 前';
      session.set('q_no', t.ticket_no);
      session.set('q_code', t.query_code);
      f.hidden = true;
      $('#done').hidden = false;
      window.scrollTo(0, 0);
    });
  });
}

function pageStatus() {
  kioskLinks();
  var no = $('#no'), code = $('#code');
  no.value = qs('no') || session.get('q_no') || '';
  code.value = session.get('q_code') || '';
  function query() {
    var n = no.value.replace(/\s+/g, ''), c = code.value.replace(/\s+/g, '').toUpperCase();
    if (!/^\d{8,24}$/.test(n)) { say('#msg', '请填写正确的诉求编号', 'err'); return; }
    if (!/^[0-9A-Za-z]{10}$/.test(c)) { say('#msg', '查询码为 10 位字母或数字', 'err'); return; }
    say('#msg', '正在查询……');
    $('#query').disabled = true;
    api('GET', '/tickets/' + n + '?query_code=' + encodeURIComponent(c)).then(function (r) {
      $('#query').disabled = false;
      if (r.status !== 200) {
        $('#result').hidden = true;
        say('#msg', r.status === 404 ? '未找到该诉求，请核对编号和查询码' : errText(r), 'err');
        return;
      }
      say('#msg', '');
      session.set('q_no', n);
      session.set('q_code', c);
      var t = r.json;
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
      $('#result').hidden = false;
    });
  }
  $('#f').addEventListener('submit', function (ev) { ev.preventDefault(); query(); });
  if (no.value && code.value) query();
}

function pageLiaisons() {
  kioskLinks();
  api('GET', '/liaisons').then(function (r) {
    var items = r.status === 200 && r.json && r.json.items;
    if (!items) {
      say('#msg', '联络员名录暂时无法获取，请稍后再试，或拨打 12368 诉讼服务热线。', 'err');
      return;
    }
    if (!items.length) { say('#msg', '暂无联络员信息'); return; }
    say('#msg', '');
    $('#list').innerHTML = items.map(function (l) {
      return '<li class="card"><h2>' + esc(l.department) + '</h2><dl class="kv">' +
        '<dt>联络员</dt><dd>' + esc(l.name) + (l.title ? '（' + esc(l.title) + '）' : '') + '</dd>' +
        '<dt>办公电话</dt><dd>' + (l.office_phone ? '<a href="tel:' + esc(l.office_phone) + '">' + esc(l.office_phone) + '</a>' : '—') + '</dd>' +
        '<dt>手机</dt><dd>' + esc(l.mobile || '—') + '</dd></dl></li>';
    }).join('');
  });
}
