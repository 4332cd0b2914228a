// Site-wide behaviour without inline handlers (the Content-Security-Policy allows no inline
// event attributes): the language menu submits its form when changed.
document.addEventListener("change", function (ev) {
  var el = ev.target;
  if (el && el.matches && el.matches("select[data-autosubmit]")) { el.form.submit(); }
});
