/**
 * The API Tokens page's script, served as a file (the page's policy allows no inline script): creates tokens and shows
 * the new one once, lists and revokes tokens through the JSON endpoints. It writes text only through textContent, so
 * nothing a token name holds can become markup.
 */

/** The script's source (plain browser JavaScript, no framework). */
export const API_TOKENS_SCRIPT = `'use strict';
(function () {
  var form = document.getElementById('create-token-form');
  var role = document.getElementById('token-role');
  var perms = document.getElementById('token-permissions');
  var createError = document.getElementById('create-error');
  var listError = document.getElementById('list-error');
  var box = document.getElementById('new-token-box');
  var plain = document.getElementById('plain-token');
  var copyState = document.getElementById('copy-state');
  var tbody = document.querySelector('#tokens tbody');
  var none = document.getElementById('no-tokens');

  function call(method, url, body) {
    var init = { method: method, credentials: 'same-origin', headers: { accept: 'application/json' } };
    if (body !== undefined) {
      init.headers['content-type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    return fetch(url, init).then(function (res) {
      if (res.status === 401) {
        window.location.assign('/login');
        throw new Error('Your session has ended. Please sign in again.');
      }
      return res.json().catch(function () { return {}; }).then(function (data) {
        if (!res.ok) {
          var msgs = [];
          var errs = data.errors || {};
          Object.keys(errs).forEach(function (k) { msgs = msgs.concat(errs[k]); });
          if (msgs.length === 0) msgs.push(data.message || data.error || ('Request failed (' + res.status + ')'));
          throw new Error(msgs.join(' '));
        }
        return data;
      });
    });
  }

  function show(el, text) {
    el.textContent = text;
    el.hidden = !text;
  }

  function when(iso) {
    if (!iso) return 'Never';
    var d = new Date(iso);
    return isNaN(d.getTime()) ? iso : d.toLocaleString();
  }

  function cell(tr, text) {
    var td = document.createElement('td');
    td.textContent = text;
    tr.appendChild(td);
    return td;
  }

  function render(tokens) {
    tbody.textContent = '';
    none.hidden = tokens.length > 0;
    tokens.forEach(function (t) {
      var tr = document.createElement('tr');
      tr.dataset.tokenId = String(t.id);
      tr.dataset.tokenName = t.name;
      cell(tr, t.name);
      cell(tr, t.permissions.indexOf('*') >= 0 ? 'all (admin)' : t.permissions.join(', '));
      cell(tr, t.last_used_at ? when(t.last_used_at) : 'Never');
      var expired = t.expires_at && new Date(t.expires_at).getTime() <= Date.now();
      cell(tr, t.expires_at ? when(t.expires_at) + (expired ? ' (expired)' : '') : 'Never');
      var td = cell(tr, '');
      var b = document.createElement('button');
      b.type = 'button';
      b.className = 'danger revoke';
      b.textContent = 'Revoke';
      b.addEventListener('click', function () { revoke(t.id, b); });
      td.appendChild(b);
      tbody.appendChild(tr);
    });
  }

  function load() {
    return call('GET', '/user/api-tokens.json').then(function (data) {
      show(listError, '');
      render(data.data);
    }).catch(function (e) { show(listError, e.message); });
  }

  function revoke(id, button) {
    button.disabled = true;
    call('DELETE', '/user/api-tokens/' + encodeURIComponent(id)).then(load).catch(function (e) {
      button.disabled = false;
      show(listError, e.message);
    });
  }

  function syncRole() {
    var chosen = role.value !== '';
    perms.disabled = chosen;
  }

  role.addEventListener('change', syncRole);

  form.addEventListener('submit', function (ev) {
    ev.preventDefault();
    show(createError, '');
    var body = { name: form.elements.name.value };
    if (role.value) body.role = role.value;
    else body.permissions = Array.prototype.map.call(
      form.querySelectorAll('input[name=permissions]:checked'), function (i) { return i.value; });
    var exp = form.elements.expires_at.value;
    if (exp) body.expires_at = new Date(exp + 'T23:59:59').toISOString();
    var submit = document.getElementById('create-token');
    submit.disabled = true;
    call('POST', '/user/api-tokens', body).then(function (made) {
      plain.textContent = made.token;
      show(copyState, '');
      box.hidden = false;
      form.elements.name.value = '';
      return load();
    }).catch(function (e) { show(createError, e.message); }).then(function () { submit.disabled = false; });
  });

  document.getElementById('copy-token').addEventListener('click', function () {
    var text = plain.textContent;
    var done = function () { show(copyState, 'Copied.'); };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(done, function () { show(copyState, 'Select the token and copy it.'); });
      return;
    }
    var range = document.createRange();
    range.selectNodeContents(plain);
    var sel = window.getSelection();
    sel.removeAllRanges();
    sel.addRange(range);
    try { if (document.execCommand('copy')) done(); } catch (e) { show(copyState, 'Select the token and copy it.'); }
  });

  syncRole();
  load();
})();
`;
