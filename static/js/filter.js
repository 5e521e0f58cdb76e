/* Progressive enhancement for /indicators/<slug>/: a text filter over the
   table rows. Without JavaScript the box stays hidden and every row shows. */
(function () {
  "use strict";
  var box = document.querySelector(".filter-box");
  if (!box) return;
  var input = box.querySelector("input");
  var count = box.querySelector("[data-filter-count]");
  var sections = Array.prototype.slice.call(document.querySelectorAll(box.getAttribute("data-filter-target")));
  var rows = Array.prototype.slice.call(document.querySelectorAll("[data-filter-row]"));
  var texts = rows.map(function (r) { return r.textContent.replace(/\s+/g, "").toLowerCase(); });
  box.hidden = false;
  function apply() {
    var words = input.value.toLowerCase().split(/\s+/).filter(Boolean);
    var shown = 0;
    rows.forEach(function (r, i) {
      var ok = words.every(function (w) { return texts[i].indexOf(w) >= 0; });
      r.hidden = !ok;
      if (ok) shown++;
    });
    sections.forEach(function (s) {
      s.hidden = words.length > 0 && !s.querySelector("[data-filter-row]:not([hidden])");
    });
    count.textContent = words.length ? "显示 " + shown + " / " + rows.length + " 条" : "";
  }
  input.addEventListener("input", apply);
})();
