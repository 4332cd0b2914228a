// Site-wide behaviour without inline handlers (the Content-Security-Policy allows no inline
// event attributes): the language menu submits its form when changed.
document.addEventListener("change", function (ev) {
  var el = ev.target;
  if (el && el.matches && el.matches("select[data-autosubmit]")) { el.form.submit(); }
});

// The area tree picker (accounts/widgets/area_picker.html): choose, clear, expand/collapse.
document.addEventListener("click", function (ev) {
  var t = ev.target;
  if (!t || !t.closest) { return; }
  var pick = t.closest("[data-area-pick]");
  var clear = t.closest("[data-area-clear]");
  var toggle = t.closest("[data-area-toggle]");
  if (pick || clear) {
    var box = t.closest("[data-area-picker]");
    if (!box) { return; }
    var input = box.querySelector("[data-area-value]");
    var label = box.querySelector("[data-area-label]");
    var clearBtn = box.querySelector("[data-area-clear]");
    if (pick) {
      var row = pick.closest(".area-node");
      var path = pick.getAttribute("data-area-text");
      // in the tree, show the path from the picker's roots down
      var up = row && row.parentElement ? row.parentElement.closest(".area-node") : null;
      while (up) {
        var name = up.querySelector(":scope > .area-row [data-area-text], :scope > .area-row span:not(.muted)");
        if (name) { path = name.textContent.trim() + " " + path; }
        up = up.parentElement ? up.parentElement.closest(".area-node") : null;
      }
      input.value = pick.getAttribute("data-area-pick");
      label.textContent = path;
      clearBtn.hidden = false;
      var panel = box.querySelector("details.area-panel");
      if (panel) { panel.open = false; }
    } else {
      input.value = "";
      label.textContent = label.getAttribute("data-empty");
      clearBtn.hidden = true;
    }
    input.dispatchEvent(new Event("change", { bubbles: true }));
    return;
  }
  if (toggle) {
    var kids = toggle.closest(".area-node").querySelector(":scope > .area-children");
    var open = toggle.getAttribute("aria-expanded") !== "true";
    toggle.setAttribute("aria-expanded", open ? "true" : "false");
    toggle.textContent = open ? "▾" : "▸";
    if (kids) { kids.hidden = !open; }
  }
});

// The left menu: on a phone a drawer opened by the 菜单 button, closed by the backdrop or Esc.
(function () {
  function setOpen(open) {
    document.body.classList.toggle("nav-open", open);
    var btn = document.querySelector("[data-nav-toggle]");
    if (btn) { btn.setAttribute("aria-expanded", open ? "true" : "false"); }
  }
  document.addEventListener("click", function (ev) {
    var t = ev.target;
    if (!t || !t.closest) { return; }
    if (t.closest("[data-nav-toggle]")) { setOpen(!document.body.classList.contains("nav-open")); }
    else if (t.closest("[data-nav-close]")) { setOpen(false); }
  });
  document.addEventListener("keydown", function (ev) {
    if (ev.key === "Escape" && document.body.classList.contains("nav-open")) { setOpen(false); }
  });
  // a group the user folded stays folded on the next page (groups are open by default)
  document.addEventListener("DOMContentLoaded", function () {
    var store;
    try { store = window.localStorage; } catch (e) { store = null; }
    if (!store) { return; }
    document.querySelectorAll("details[data-nav-group]").forEach(function (d) {
      var key = "jiuzhu.nav." + d.getAttribute("data-nav-group");
      if (store.getItem(key) === "closed" && !d.querySelector("a.current")) { d.open = false; }
      d.addEventListener("toggle", function () { store.setItem(key, d.open ? "open" : "closed"); });
    });
  });
})();

// 返回上一页 on the error pages: back in history when there is one, else the link (home).
document.addEventListener("click", function (ev) {
  var a = ev.target && ev.target.closest ? ev.target.closest("[data-history-back]") : null;
  if (a && window.history.length > 1) { ev.preventDefault(); window.history.back(); }
});
