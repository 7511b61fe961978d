// takedown UI: small progressive enhancements. Every page works without
// this file; the CSP allows only scripts served from here, never inline.
'use strict';

document.addEventListener('DOMContentLoaded', function () {
  // "/" jumps to the domain search, as in most analyst tools.
  var search = document.getElementById('global-search');
  document.addEventListener('keydown', function (e) {
    var t = e.target && e.target.tagName;
    if (e.key === '/' && search && t !== 'INPUT' && t !== 'TEXTAREA' && t !== 'SELECT') {
      e.preventDefault();
      search.focus();
      search.select();
    }
  });

  // Destructive forms ask first.
  document.querySelectorAll('form[data-confirm]').forEach(function (f) {
    f.addEventListener('submit', function (e) {
      if (!window.confirm(f.getAttribute('data-confirm'))) {
        e.preventDefault();
      }
    });
  });

  // Filter menus apply on change.
  document.querySelectorAll('select[data-autosubmit], input[type=checkbox][data-autosubmit]').forEach(function (s) {
    s.addEventListener('change', function () {
      if (s.form.requestSubmit) {
        s.form.requestSubmit();
      } else {
        s.form.submit();
      }
    });
  });

  // Times are printed in UTC; the tooltip adds the reader's local time.
  document.querySelectorAll('time[datetime]').forEach(function (el) {
    var d = new Date(el.getAttribute('datetime'));
    if (!isNaN(d.getTime())) {
      el.title = (el.title ? el.title + ' · ' : '') + d.toLocaleString() + ' local';
    }
  });
});
