/* Behaviour that pages declare with data attributes instead of inline script (the Content-Security-Policy
   allows no inline script): data-confirm="question" on a form asks before it submits; data-submit-on-change on
   a select submits its form; data-upload-progress on an htmx form moves its <progress> bar. */
(function () {
  "use strict";
  document.addEventListener("submit", function (e) {
    var form = e.target;
    if (form.dataset && form.dataset.confirm && !window.confirm(form.dataset.confirm)) e.preventDefault();
  }, true);
  document.addEventListener("change", function (e) {
    var el = e.target;
    if (el.hasAttribute && el.hasAttribute("data-submit-on-change") && el.form) el.form.submit();
  });
  document.addEventListener("htmx:beforeRequest", function (e) {
    var form = e.detail.elt;
    if (form.hasAttribute && form.hasAttribute("data-upload-progress")) {
      var bar = form.querySelector("progress");
      if (bar) bar.value = 0;
    }
  });
  document.addEventListener("htmx:xhr:progress", function (e) {
    var form = e.detail.elt || e.target;
    if (!form.hasAttribute || !form.hasAttribute("data-upload-progress")) return;
    var bar = form.querySelector("progress");
    if (bar && e.detail.lengthComputable && e.detail.total) {
      bar.value = Math.max(bar.value, Math.round(100 * e.detail.loaded / e.detail.total));
    }
  });
})();
