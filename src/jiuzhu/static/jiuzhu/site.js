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
