// Refuse a file larger than its input's data-max-bytes before it is sent (the server checks
// again). The message is the input's data-too-big text, shown next to the input.
(function () {
  document.querySelectorAll('input[type=file][data-max-bytes]').forEach(function (input) {
    var limit = parseInt(input.dataset.maxBytes, 10);
    var note = document.createElement('span');
    note.className = 'errorlist upload-too-big';
    note.setAttribute('role', 'alert');
    input.insertAdjacentElement('afterend', note);
    var form = input.form;
    function check() {
      var big = Array.prototype.some.call(input.files || [], function (f) { return f.size > limit; });
      note.textContent = big ? input.dataset.tooBig : '';
      return !big;
    }
    input.addEventListener('change', check);
    if (form) form.addEventListener('submit', function (e) { if (!check()) e.preventDefault(); });
  });
})();
