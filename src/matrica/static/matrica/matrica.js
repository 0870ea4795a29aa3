// Matrica's own script: progressive enhancement only, every page works without it.
// Served from 'self' (WhiteNoise) and loaded with `defer`, so the Content-Security-Policy needs no
// 'unsafe-inline': no page carries an inline script, style or event handler (onchange=, …).
//
// A form control marked `data-submit-on-change` submits its form when its value changes (the
// language menu; without JavaScript its <noscript> button does it). Submitting on change is a
// change of context on input (WCAG 3.2.2): prefer a visible button for any new control.
(function () {
  "use strict";
  document.addEventListener("change", function (event) {
    var control = event.target;
    if (!(control instanceof Element) || !control.matches("[data-submit-on-change]")) return;
    var form = control.form;
    if (!form) return;
    if (typeof form.requestSubmit === "function") form.requestSubmit();
    else form.submit();
  });
})();
