// Size check before upload: a file input with data-max-bytes refuses a file that is too large
// at once (the server checks again), so nobody waits for 100 MB to upload only to be refused.
// The message comes from the page (data-too-large, translated), {name} and {size} filled in.
document.addEventListener('change', function (e) {
  const input = e.target;
  if (!(input instanceof HTMLInputElement) || input.type !== 'file' || !input.dataset.maxBytes) return;
  const max = parseInt(input.dataset.maxBytes, 10);
  let note = input.parentElement.querySelector('.upload-too-large');
  if (!note) {
    note = document.createElement('div');
    note.className = 'upload-too-large error small';
    note.setAttribute('role', 'alert');
    input.insertAdjacentElement('afterend', note);
  }
  note.textContent = '';
  const big = Array.from(input.files || []).filter(f => f.size > max);
  if (big.length) {
    const f = big[0];
    const text = (input.dataset.tooLarge || '{name}: {size} MB > 10 MB')
      .replace('{name}', f.name).replace('{size}', (f.size / 1048576).toFixed(1));
    note.textContent = text;
    input.value = '';
  }
});
