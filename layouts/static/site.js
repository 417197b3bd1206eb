/* Progressive enhancements; every page works without them.
 * - registers the service worker (https or localhost only) for offline reading;
 * - "save this issue" on issue pages, the list of saved issues on saved/;
 * - one-click copy of citations, ¶ links to paragraphs. */
(function () {
  "use strict";
  var script = document.currentScript;

  function ask(message) {
    return navigator.serviceWorker.ready.then(function (registration) {
      return new Promise(function (resolve, reject) {
        var channel = new MessageChannel();
        channel.port1.onmessage = function (event) {
          if (event.data && event.data.ok) resolve(event.data); else reject(new Error(event.data && event.data.error));
        };
        registration.active.postMessage(message, [channel.port2]);
      });
    });
  }

  function setUpOffline() {
    var swUrl = new URL(script.dataset.sw, location.href);
    navigator.serviceWorker.register(swUrl.href, { scope: new URL("./", swUrl).href }).catch(function () {});

    var button = document.getElementById("save-issue");
    if (button) {
      var status = document.getElementById("save-status");
      button.hidden = false;
      button.addEventListener("click", function () {
        // the issue page, its articles (the headlines' links), the style sheet and the scripts
        var headlines = document.querySelectorAll(".issue-page .headline a");
        var assets = document.querySelectorAll("link[rel=stylesheet], script[src]");
        var urls = [location.href].concat([].map.call(headlines, function (a) { return a.href; }),
                                          [].map.call(assets, function (e) { return e.href || e.src; }));
        // the printed pages: each page view, its image and its articles' clippings (data-offline)
        [].forEach.call(document.querySelectorAll(".page-nav a[data-offline]"), function (a) {
          urls.push(a.href);
          a.dataset.offline.split(" ").filter(Boolean).forEach(function (u) { urls.push(new URL(u, location.href).href); });
        });
        var articles = headlines.length;
        status.textContent = "正在保存……";
        button.disabled = true;
        ask({ type: "save", url: location.href, title: button.dataset.title, date: button.dataset.date, urls: urls })
          .then(function () { status.textContent = "已保存，可离线阅读本期 " + articles + " 篇文章。"; })
          .catch(function (error) { status.textContent = "保存失败：" + error.message; })
          .then(function () { button.disabled = false; });
      });
    }

    var list = document.getElementById("saved-issues");
    if (list) {
      var missing = new URLSearchParams(location.search).get("offline");
      if (missing) {
        document.getElementById("offline-state").textContent = "现在没有网络，而这一页没有保存以便离线阅读：" + missing;
      }
      ask({ type: "list" }).then(function (reply) {
        list.textContent = "";
        reply.saved.forEach(function (item) {
          var li = document.createElement("li");
          var a = document.createElement("a");
          a.href = item.url;
          a.textContent = item.title;
          li.appendChild(a);
          list.appendChild(li);
        });
        if (!reply.saved.length) showEmpty(list);
      }).catch(function () { showEmpty(list); });
    }
  }

  highlight(new URLSearchParams(location.search).getAll("hl"));

  /** Mark what a search found (?hl=…) in the article text, and bring the first one into view. */
  function highlight(forms) {
    var body = document.querySelector(".article-text");
    forms = forms.filter(Boolean);
    if (!body || !forms.length) return;
    var walker = document.createTreeWalker(body, NodeFilter.SHOW_TEXT);
    var nodes = [];
    while (walker.nextNode()) nodes.push(walker.currentNode);
    var first = null;
    nodes.forEach(function (node) {
      var text = node.nodeValue, hits = [];
      forms.forEach(function (form) {
        for (var i = text.indexOf(form); i >= 0; i = text.indexOf(form, i + form.length)) hits.push([i, i + form.length]);
      });
      if (!hits.length) return;
      hits.sort(function (a, b) { return a[0] - b[0]; });
      var fragment = document.createDocumentFragment(), at = 0;
      hits.forEach(function (hit) {
        if (hit[0] < at) return;
        fragment.appendChild(document.createTextNode(text.slice(at, hit[0])));
        var mark = document.createElement("mark");
        mark.className = "found";
        mark.textContent = text.slice(hit[0], hit[1]);
        fragment.appendChild(mark);
        first = first || mark;
        at = hit[1];
      });
      fragment.appendChild(document.createTextNode(text.slice(at)));
      node.parentNode.replaceChild(fragment, node);
    });
    if (first) first.scrollIntoView({ block: "center" });
  }

  var secure = location.protocol === "https:" || location.hostname === "localhost" || location.hostname === "127.0.0.1";
  if ("serviceWorker" in navigator && secure) setUpOffline();

  // A ¶ link to each numbered paragraph and subhead of an article (their ids are in the page).
  document.querySelectorAll(".article-body p[id], .article-body h3[id]").forEach(function (block) {
    var link = document.createElement("a");
    var paragraph = block.tagName === "P";
    link.className = "anchor";
    link.href = "#" + block.id;
    link.setAttribute("aria-label", "链接到第" + block.id.slice(1) + (paragraph ? "段" : "个小标题"));
    link.textContent = paragraph ? "¶" : "#";
    block.appendChild(link);
  });

  // BibTeX and RIS files of an article, made from the page's citation_* metadata when asked for.
  var downloads = document.querySelector(".cite .downloads");
  if (downloads) {
    var meta = function (name) {  // one line each: a line break would start a field of its own in RIS and BibTeX
      return [].map.call(document.querySelectorAll('meta[name="citation_' + name + '"]'), function (m) {
        return m.content.replace(/[\s\u0085\u2028\u2029]*[\r\n\u0085\u2028\u2029]+[\s\u0085\u2028\u2029]*/g, " ").trim();
      });
    };
    var title = meta("title")[0] || "", authors = meta("author"), paper = meta("journal_title")[0] || "";
    var page = meta("firstpage")[0] || "", url = meta("public_url")[0] || "";
    var ymd = (meta("publication_date")[0] || "").split("/");
    var bibEscape = function (value) { return value.replace(/([{}\\%&$#_^~])/g, "\\$1"); };
    var bib = "@article{" + downloads.dataset.key + ",\n" + [
      ["author", authors.join(" and ")], ["title", title], ["journal", paper], ["year", String(+ymd[0])],
      ["month", String(+ymd[1])], ["day", String(+ymd[2])], ["date", ymd.join("-")], ["pages", page], ["url", url],
      ["language", "chinese"]
    ].filter(function (f) { return f[1]; }).map(function (f) {
      return "  " + f[0] + " = {" + (f[0] === "url" ? f[1] : bibEscape(f[1])) + "}";
    }).join(",\n") + "\n}\n";
    var ris = [["TY", "NEWS"]].concat(authors.map(function (name) { return ["AU", name]; }), [
      ["TI", title], ["T2", paper], ["PY", ymd[0]], ["DA", ymd.join("/")], ["SP", page], ["UR", url],
      ["LA", (meta("language")[0] || "zh").split("-")[0]], ["ER", ""]
    ]).filter(function (f) { return f[1] || f[0] === "ER"; }).map(function (f) { return f[0] + "  - " + f[1] + "\r\n"; }).join("");
    [["BibTeX", "bib", bib, "application/x-bibtex"], ["RIS", "ris", ris, "application/x-research-info-systems"]]
      .forEach(function (d, i) {
        var link = document.createElement("a");
        link.textContent = d[0];
        link.download = downloads.dataset.key + "." + d[1];
        link.href = URL.createObjectURL(new Blob([d[2]], { type: d[3] + ";charset=utf-8" }));
        if (i) downloads.append(" · ");
        downloads.append(link);
      });
    downloads.hidden = false;
  }

  // A copy button beside each citation.
  document.querySelectorAll(".cite-text[id]").forEach(function (cited) {
    var button = document.createElement("button");
    button.type = "button";
    button.className = "copy";
    button.dataset.copy = cited.id;
    button.textContent = "复制";
    cited.after(" ", button);
    button.addEventListener("click", function () {
      var text = cited.textContent;
      var done = function () { button.textContent = "已复制"; setTimeout(function () { button.textContent = "复制"; }, 2000); };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(text).then(done, function () { fallbackCopy(text); done(); });
      } else {
        fallbackCopy(text);
        done();
      }
    });
  });

  function showEmpty(list) {
    var item = document.createElement("li");
    item.textContent = list.dataset.empty;
    list.textContent = "";
    list.appendChild(item);
  }

  function fallbackCopy(text) {
    var area = document.createElement("textarea");
    area.value = text;
    document.body.appendChild(area);
    area.select();
    document.execCommand("copy");
    area.remove();
  }
})();
