// On-site capture for visits made on a phone (core/_field_capture.html): the signature pad,
// GPS and the local time. The signature is written into the hidden field when its form submits.
(function () {
  function init() {
    const c = document.getElementById('sigpad');
    if (!c) return;
    const ctx = c.getContext('2d');
    const field = document.getElementById('signature');
    let drawing = false, dirty = false;
    function size() { const r = c.getBoundingClientRect(); c.width = r.width; c.height = r.height; ctx.lineWidth = 2.5; ctx.lineCap = 'round'; }
    size();
    const kept = field.value;
    if (kept.startsWith('data:image/png;base64,')) {  // signed before an error: show it again
      const img = new Image();
      img.onload = () => { ctx.drawImage(img, 0, 0, c.width, c.height); };
      img.src = kept; dirty = true;
    }
    function pos(e) { const r = c.getBoundingClientRect(); return [e.clientX - r.left, e.clientY - r.top]; }
    c.addEventListener('pointerdown', e => { drawing = true; ctx.beginPath(); ctx.moveTo(...pos(e)); });
    c.addEventListener('pointermove', e => { if (!drawing) return; ctx.lineTo(...pos(e)); ctx.stroke(); dirty = true; });
    window.addEventListener('pointerup', () => { drawing = false; });
    document.getElementById('sig-clear').addEventListener('click', () => { ctx.clearRect(0, 0, c.width, c.height); dirty = false; field.value = ''; });
    c.closest('form').addEventListener('submit', () => {
      if (dirty) field.value = c.toDataURL('image/png');
    });
    document.getElementById('now').textContent = new Date().toLocaleString(document.documentElement.lang || 'zh-CN');
    const st = document.getElementById('gps-status');
    if (navigator.geolocation) {
      navigator.geolocation.getCurrentPosition(p => {
        document.getElementById('latitude').value = p.coords.latitude.toFixed(6);
        document.getElementById('longitude').value = p.coords.longitude.toFixed(6);
        st.textContent = st.dataset.located + ' ' + p.coords.latitude.toFixed(4) + ', ' + p.coords.longitude.toFixed(4);
      }, () => { st.textContent = st.dataset.failed; }, {timeout: 8000});
    } else { st.textContent = st.dataset.unsupported; }
  }
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', init); else init();
})();
