// 掌上救助: photos are compressed in the browser (canvas → JPEG) and size-checked before upload;
// finger signatures are drawn on a canvas and sent as PNG data URLs.
(function () {
  "use strict";
  var MAX_SIDE = 1600;

  function compress(file) {
    return new Promise(function (resolve) {
      if (!/^image\//.test(file.type)) { resolve(file); return; }
      var url = URL.createObjectURL(file), img = new Image();
      img.onload = function () {
        var scale = Math.min(1, MAX_SIDE / Math.max(img.width, img.height));
        var c = document.createElement("canvas");
        c.width = Math.max(1, Math.round(img.width * scale));
        c.height = Math.max(1, Math.round(img.height * scale));
        var ctx = c.getContext("2d");
        ctx.fillStyle = "#fff"; ctx.fillRect(0, 0, c.width, c.height);
        ctx.drawImage(img, 0, 0, c.width, c.height);
        URL.revokeObjectURL(url);
        c.toBlob(function (blob) {
          if (!blob || blob.size >= file.size) { resolve(file); return; }
          var name = file.name.replace(/\.[^.]*$/, "") + ".jpg";
          resolve(new File([blob], name, { type: "image/jpeg" }));
        }, "image/jpeg", 0.82);
      };
      img.onerror = function () { URL.revokeObjectURL(url); resolve(file); };
      img.src = url;
    });
  }

  function setupCompress(input) {
    var form = input.form, status = document.getElementById(input.id + "-status");
    input.addEventListener("change", function () {
      if (input.dataset.busy === "done") { input.dataset.busy = ""; return; }
      var files = Array.prototype.slice.call(input.files), max = parseInt(input.dataset.maxBytes, 10);
      var buttons = form.querySelectorAll("button[type=submit]");
      buttons.forEach(function (b) { b.disabled = true; });
      input.dataset.busy = "1";
      Promise.all(files.map(compress)).then(function (out) {
        var tooBig = out.filter(function (f) { return f.size > max; });
        var dt = new DataTransfer();
        out.forEach(function (f) { if (f.size <= max) dt.items.add(f); });
        input.dataset.busy = "done";
        input.files = dt.files;
        input.dataset.busy = "";
        if (status) {
          status.textContent = tooBig.length
            ? input.dataset.msgTooBig || "照片过大（压缩后仍超过5MB），请重新拍摄"
            : (input.dataset.msgReady || "已压缩，共") + " " + out.length + " " + (input.dataset.msgUnit || "张，合计") + " " +
              Math.ceil(out.reduce(function (s, f) { return s + f.size; }, 0) / 1024) + " KB";
        }
        buttons.forEach(function (b) { b.disabled = false; });
      });
    });
  }

  function setupPad(canvas) {
    var ctx = canvas.getContext("2d"), drawing = false, drawn = false;
    var target = document.getElementById(canvas.dataset.target);
    ctx.lineWidth = 3; ctx.lineCap = "round"; ctx.strokeStyle = "#111";
    function pos(e) {
      var r = canvas.getBoundingClientRect();
      return [(e.clientX - r.left) * canvas.width / r.width, (e.clientY - r.top) * canvas.height / r.height];
    }
    canvas.addEventListener("pointerdown", function (e) {
      drawing = true; var p = pos(e); ctx.beginPath(); ctx.moveTo(p[0], p[1]);
      canvas.setPointerCapture(e.pointerId);
    });
    canvas.addEventListener("pointermove", function (e) {
      if (!drawing) return; var p = pos(e); ctx.lineTo(p[0], p[1]); ctx.stroke(); drawn = true;
    });
    function end() { if (drawing && drawn) target.value = canvas.toDataURL("image/png"); drawing = false; }
    canvas.addEventListener("pointerup", end);
    canvas.addEventListener("pointerleave", end);
    var clear = document.querySelector("[data-clear='" + canvas.id + "']");
    if (clear) clear.addEventListener("click", function () {
      ctx.clearRect(0, 0, canvas.width, canvas.height); drawn = false; target.value = "";
    });
  }

  function newRef() {
    return "web-" + Date.now().toString(36) + "-" + Math.random().toString(36).slice(2, 10);
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("input[data-compress]").forEach(setupCompress);
    document.querySelectorAll("canvas.m-sigpad").forEach(setupPad);
    document.querySelectorAll("input[data-client-ref]").forEach(function (i) { if (!i.value) i.value = newRef(); });
  });
})();
