/* The search page: its form, the state in its URL, results and filter counts (search-engine.js
 * does the searching). From disk, where Pagefind cannot load, search-disk.js searches headlines. */
(function () {
  "use strict";

  var engine = window.ArchiveSearch;
  var form = document.getElementById("search-form");
  if (!form || !engine) return;
  var FILTERS = engine.settings.filters;
  var PAGE_SIZE = 20;
  var root = engine.root, isoDay = engine.isoDay;
  var input = document.getElementById("search-q");
  var sortSelect = document.getElementById("search-sort");
  var fromInput = document.getElementById("search-from");
  var toInput = document.getElementById("search-to");
  var status = document.getElementById("search-status");
  var list = document.getElementById("search-results");
  var more = document.getElementById("search-more");
  var filterBox = document.getElementById("search-filters");
  var state = { q: "", sort: "desc", filters: {}, from: "", to: "" };
  var current = null;
  var shown = 0;
  var generation = 0;

  if (location.protocol === "file:") {
    document.getElementById("search-offline").hidden = false;
    window.ArchiveDiskSearch({ form: form, input: input, sortSelect: sortSelect, fromInput: fromInput, toInput: toInput,
                               status: status, list: list, renderResult: renderResult, cnDate: cnDate });
    return;
  }

  function readUrl() {
    var params = new URLSearchParams(location.search);
    state.q = params.get("q") || "";
    state.sort = params.get("sort") === "asc" ? "asc" : "desc";
    state.from = isoDay(params.get("from"));
    state.to = isoDay(params.get("to"));
    fromInput.value = state.from;
    toInput.value = state.to;
    state.filters = {};
    FILTERS.forEach(function (f) {
      var values = params.getAll(f[0]);
      if (values.length) state.filters[f[0]] = values;
    });
    input.value = state.q;
    sortSelect.value = state.sort;
  }

  function writeUrl() {
    var params = new URLSearchParams();
    if (state.q) params.set("q", state.q);
    if (state.sort === "asc") params.set("sort", "asc");
    if (state.from) params.set("from", state.from);
    if (state.to) params.set("to", state.to);
    FILTERS.forEach(function (f) {
      (state.filters[f[0]] || []).forEach(function (v) { params.append(f[0], v); });
    });
    var qs = params.toString();
    history.replaceState(null, "", location.pathname + (qs ? "?" + qs : ""));
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text != null) node.textContent = text;
    return node;
  }

  function cnDate(iso) {
    var m = /^(\d{4})-(\d{2})-(\d{2})/.exec(iso || "");
    return m ? +m[1] + "年" + +m[2] + "月" + +m[3] + "日" : iso || "";
  }

  /** A result as the list shows it; `forms`: the query's forms, marked on the article page. */
  function renderResult(data, forms) {
    var meta = data.meta || {};
    var li = el("li", "teaser result");
    var h = el("h3", "headline");
    var a = el("a");
    var marks = (forms || []).map(function (f) { return "hl=" + encodeURIComponent(f); });
    a.href = data.url + (marks.length ? "?" + marks.join("&") : "");
    if (meta.kicker) a.appendChild(el("span", "kicker", meta.kicker));
    a.appendChild(el("span", "title", meta.title || data.url));
    if (meta.subtitle) a.appendChild(el("span", "subtitle", meta.subtitle));
    h.appendChild(a);
    li.appendChild(h);
    var info = el("p", "teaser-meta");
    var time = el("time", null, cnDate(meta.date));
    time.dateTime = meta.date || "";
    info.appendChild(time);
    if (meta.page) info.appendChild(el("span", null, "第" + meta.page + "版"));
    if (meta.section) info.appendChild(el("span", null, meta.section));
    if (meta.reporter) info.appendChild(el("span", "reporters", "记者 " + meta.reporter));
    if (meta.view) {  // the article's place on its page's scan, with the words found marked there
      var view = el("a", "page-view-link", "在版面中查看");
      var hash = meta.view.indexOf("#");
      view.href = new URL(meta.view.slice(0, hash) + "index.html", engine.root).href +
        (marks.length ? "?" + marks.join("&") : "") + meta.view.slice(hash);
      info.appendChild(view);
    }
    li.appendChild(info);
    if (data.excerpt) {
      var p = el("p", "excerpt");
      p.innerHTML = engine.tidyExcerpt(data.excerpt);  // Pagefind escapes the text; only <mark> is markup
      li.appendChild(p);
    }
    return li;
  }

  function showMore() {
    var mine = generation;
    var search = current;
    more.disabled = true;  // one batch at a time
    // The first page shows what the first shard with results holds (one shard's download);
    // “显示更多” goes on to older shards only when a page is not full.
    return search.more(shown ? shown + PAGE_SIZE + 1 : 1).then(function () {
      var batch = search.results.slice(shown, shown + PAGE_SIZE);
      return Promise.all(batch.map(function (r) { return r.data(); })).then(function (items) {
        if (mine !== generation) return;
        items.forEach(function (d) { list.appendChild(renderResult(d, search.forms)); });
        shown += batch.length;
        more.hidden = search.complete && shown >= search.results.length;
        more.disabled = false;
        renderFilters(search.filters, !search.complete);
        status.textContent = summary(search);
      });
    });
  }

  function renderFilters(counts, partial) {
    filterBox.textContent = "";
    if (partial) filterBox.appendChild(el("p", "count", "计数只含已查到的文章"));
    FILTERS.forEach(function (f) {
      var key = f[0];
      var values = counts && counts[key] ? counts[key] : {};
      var selected = state.filters[key] || [];
      var names = Object.keys(values).filter(function (v) { return values[v] > 0 || selected.indexOf(v) >= 0; });
      selected.forEach(function (v) { if (names.indexOf(v) < 0) names.push(v); });
      if (!names.length) return;
      names.sort(function (x, y) {
        return key === "year" ? y.localeCompare(x) : (values[y] || 0) - (values[x] || 0) || x.localeCompare(y, "zh-CN");
      });
      var fieldset = el("fieldset", "filter");
      fieldset.appendChild(el("legend", null, f[1]));
      names.forEach(function (name) {
        var label = el("label");
        var box = el("input");
        box.type = "checkbox";
        box.name = key;
        box.value = name;
        box.checked = selected.indexOf(name) >= 0;
        box.addEventListener("change", function () {
          var chosen = state.filters[key] || [];
          state.filters[key] = box.checked ? chosen.concat([name]) : chosen.filter(function (v) { return v !== name; });
          update();
        });
        label.appendChild(box);
        label.appendChild(document.createTextNode(" " + name + " "));
        label.appendChild(el("span", "count", "(" + (values[name] || 0) + ")"));
        fieldset.appendChild(label);
      });
      filterBox.appendChild(fieldset);
    });
  }

  function update() {
    writeUrl();
    var mine = ++generation;
    list.textContent = "";
    more.hidden = true;
    shown = 0;
    var hasFilters = FILTERS.some(function (f) { return (state.filters[f[0]] || []).length; }) || state.from || state.to;
    if (!state.q.trim() && !hasFilters) {
      status.textContent = "";
      return engine.allFilters()
        .then(function (counts) { if (mine === generation) renderFilters(counts); })
        .catch(showError);
    }
    status.textContent = "正在搜索……";
    var options = { filters: state.filters, sort: state.sort, from: state.from, to: state.to };
    return engine.run(state.q, options).then(function (search) {
      if (mine !== generation) return;
      current = search;
      return showMore();
    }).catch(showError);
  }

  function summary(search) {
    var q = state.q.trim(), n = search.results.length;
    var what = q ? "包含“" + q + "”的文章" : "符合所选条件的文章";
    if (!search.complete) {
      var to = search.searchedTo[state.sort === "asc" ? "last" : "first"];
      return "找到 " + n + " 篇以上" + what + "（已查到 " + cnDate(to) + "；“显示更多”继续查找更" +
             (state.sort === "asc" ? "晚" : "早") + "的文章）";
    }
    return n ? "找到 " + n + " 篇" + what : "没有找到" + what;
  }

  function showError(error) {
    status.textContent = "搜索出错：" + (error && error.message ? error.message : error);
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    state.q = input.value;
    update();
  });
  sortSelect.addEventListener("change", function () {
    state.sort = sortSelect.value;
    update();
  });
  [fromInput, toInput].forEach(function (box) {
    box.addEventListener("change", function () {
      state.from = isoDay(fromInput.value);
      state.to = isoDay(toInput.value);
      update();
    });
  });
  more.addEventListener("click", showMore);
  readUrl();
  update();
})();
