// Paper reading on intake pages (no inline handlers; CSP-safe).
// 1. An ID card photo read by the task worker fills the form: when the polled panel brings a
//    #paper-fill-data block (json_script), each value goes into the input named by the form's
//    data-paper-fill-map, unless the clerk already typed something else there — then a button
//    offers the value read ("采用识别值"), nothing is overwritten silently.
// 2. A file input with data-paper-check="<url>" sends the chosen photo for the quality check at
//    once; a photo refused (too small, blurred, cut off) is cleared with the reason shown.
(function () {
  function fill() {
    const data = document.getElementById('paper-fill-data');
    if (!data || data.dataset.done) return;
    data.dataset.done = '1';
    const values = JSON.parse(data.textContent);
    const form = document.querySelector('[data-paper-fill-map]');
    if (!form) return;
    const map = JSON.parse(form.dataset.paperFillMap);
    const label = form.dataset.paperAccept || 'Use value read: {value}';
    Object.keys(map).forEach(function (key) {
      const input = document.getElementById(map[key]);
      const value = values[key];
      if (!input || !value) return;
      const current = (input.value || '').trim();
      const typed = input.tagName !== 'SELECT' && current && current !== value;
      if (!typed) {
        input.value = value;
        input.classList.add('ocr-filled');
        return;
      }
      const button = document.createElement('button');
      button.type = 'button';
      button.className = 'btn small ocr-conflict';
      button.dataset.ocrField = key;
      button.textContent = label.replace('{value}', key === 'id_number' ? value.slice(0, 4) + '…' + value.slice(-4) : value);
      button.addEventListener('click', function () {
        input.value = value;
        input.classList.add('ocr-filled');
        button.remove();
      });
      input.insertAdjacentElement('afterend', button);
    });
  }
  document.addEventListener('htmx:afterSettle', fill);
  document.addEventListener('DOMContentLoaded', fill);

  document.addEventListener('change', function (e) {
    const input = e.target;
    if (!(input instanceof HTMLInputElement) || input.type !== 'file' || !input.dataset.paperCheck) return;
    const file = input.files && input.files[0];
    let note = input.parentElement.querySelector('.paper-check');
    if (!note) {
      note = document.createElement('div');
      note.className = 'paper-check small';
      note.setAttribute('aria-live', 'polite');
      input.insertAdjacentElement('afterend', note);
    }
    note.textContent = '';
    if (!file || !/^image\/(jpeg|png)$/.test(file.type)) return;
    const body = new FormData();
    body.append('file', file);
    const token = document.querySelector('input[name=csrfmiddlewaretoken]');
    fetch(input.dataset.paperCheck, {
      method: 'POST', body: body, credentials: 'same-origin',
      headers: {'X-CSRFToken': token ? token.value : ''}
    }).then(function (r) { return r.text(); }).then(function (html) {
      const tpl = document.createElement('template');
      tpl.innerHTML = html;
      note.replaceChildren(tpl.content);
      if (note.querySelector('[data-paper-refused]')) input.value = '';
    });
  });
})();
