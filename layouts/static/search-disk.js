/* The search page opened from disk (file://): Pagefind cannot load there, so headlines, reporters
 * and dates are searched in search/headlines.js, which a script tag can load from disk.
 * `ui`: the page's form and result list, and how search-page.js shows a result. */
(function () {
  "use strict";

  window.ArchiveDiskSearch = function (ui) {
    var engine = window.ArchiveSearch;
    var root = engine.root, isoDay = engine.isoDay;
    var form = ui.form, input = ui.input, sortSelect = ui.sortSelect, fromInput = ui.fromInput, toInput = ui.toInput;
    var status = ui.status, list = ui.list, renderResult = ui.renderResult, cnDate = ui.cnDate;
    var loaded = new Promise(function (resolve, reject) {
      var tag = document.createElement("script");
      tag.src = new URL(engine.settings.paths.headlines, root).href;
      tag.onload = function () { resolve(window.ARCHIVE_HEADLINES || []); };
      tag.onerror = reject;
      document.head.appendChild(tag);
    });
    function run() {
      var q = input.value.trim();
      var sort = sortSelect.value;
      var from = isoDay(fromInput.value), to = isoDay(toInput.value) || "\uffff";
      list.textContent = "";
      if (!q && !from && to === "\uffff") { status.textContent = ""; return; }
      loaded.then(function (rows) {
        var found = rows.filter(function (r) {
          var date = r[1], cn = cnDate(date);
          return from <= date && date <= to && (!q || [r[2], r[3], r[4], r[5], r[6], date, cn].some(function (field) {
            return String(field).indexOf(q) >= 0;
          }));
        });
        if (sort === "asc") found.reverse();
        found.forEach(function (r) {
          list.appendChild(renderResult({
            url: new URL(r[0] + "index.html", root).href,
            meta: { date: r[1], kicker: r[2], title: r[3], subtitle: r[4], reporter: r[5], section: r[6], page: r[7] },
          }));
        });
        var what = q ? "标题、记者或日期含“" + q + "”的文章" : "所选日期范围内的文章";
        status.textContent = found.length ? what + "共 " + found.length + " 篇" : "没有" + what;
      });
    }
    form.addEventListener("submit", function (event) { event.preventDefault(); run(); });
    [sortSelect, fromInput, toInput].forEach(function (box) { box.addEventListener("change", run); });
    var params = new URLSearchParams(location.search);
    input.value = params.get("q") || "";
    fromInput.value = isoDay(params.get("from"));
    toInput.value = isoDay(params.get("to"));
    run();
  };
})();
