/* An issue as an EPUB 3 file, made in the reader's browser from the article pages: its
 * articles in page order, with the metadata, valid under epubcheck. No EPUB file is
 * published (at 100,000 articles they would be 160 MB of the site, and the bulk of what cannot be
 * compressed). The pages are fetched over http(s), or from the service worker's copy of an issue
 * saved for offline reading; a page opened from disk (file://) cannot fetch, so the button stays
 * hidden there. */
(function () {
  "use strict";
  var button = document.getElementById("make-epub");
  if (!button || location.protocol === "file:" || !window.fetch || !window.DOMParser || !window.Blob) return;
  var status = document.getElementById("epub-status");
  button.hidden = false;
  button.addEventListener("click", function () {
    button.disabled = true;
    status.textContent = "正在生成电子书……";
    makeEpub(button.dataset).then(function (blob) {
      var a = document.createElement("a");
      a.href = URL.createObjectURL(blob);
      a.download = button.dataset.file;
      document.body.appendChild(a);
      a.click();
      a.remove();
      setTimeout(function () { URL.revokeObjectURL(a.href); }, 60000);
      status.textContent = "";
    }).catch(function (error) {
      status.textContent = "电子书生成失败：" + error.message;
    }).then(function () { button.disabled = false; });
  });

  var STYLE = "body { font-family: serif; line-height: 1.8; }\n" +
    "h1 { font-size: 1.5em; text-align: center; line-height: 1.4; }\n" +
    ".kicker, .subtitle, .meta, .date, .note { text-align: center; color: #555; }\n" +
    ".meta { font-size: 0.85em; }\n" +
    "p { text-indent: 2em; margin: 0 0 0.8em; }\n" +
    "header p, nav p { text-indent: 0; }\n" +
    "h2, h3 { font-size: 1.1em; }\n";

  function esc(text) {
    return String(text).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
  }

  /** The pages (their labels) and articles (their URLs), in reading order, from this page. */
  function contents() {
    return [].map.call(document.querySelectorAll(".issue-page"), function (section) {
      var heading = section.querySelector("h2");
      return {
        label: heading ? heading.textContent.trim() : "",
        urls: [].map.call(section.querySelectorAll(".headline a"), function (a) { return a.href; })
      };
    });
  }

  /** One chapter (XHTML) from an article page's HTML; also its title and reporters. */
  function chapter(html, url, info) {
    var doc = new DOMParser().parseFromString(html, "text/html");
    var head = doc.querySelector(".article-head"), body = doc.querySelector(".article-body");
    if (!head || !body) throw new Error("不是文章页：" + url);
    var meta = function (name) {
      var m = doc.querySelector('meta[name="' + name + '"], meta[property="' + name + '"]');
      return m ? m.getAttribute("content") : "";
    };
    var reporters = [].map.call(doc.querySelectorAll('meta[name="citation_author"]'), function (m) {
      return m.getAttribute("content");
    });
    var text = function (selector) {
      var el = head.querySelector(selector);
      return el ? el.textContent.trim() : "";
    };
    // links lead out of the book, to the archive; pictures would be remote resources: their text
    [].forEach.call(body.querySelectorAll("[href]"), function (el) {
      el.setAttribute("href", new URL(el.getAttribute("href"), url).href);
    });
    [].forEach.call(body.querySelectorAll("img, picture, video, audio, iframe, object, embed, script, style"), function (el) {
      el.replaceWith(doc.createTextNode(el.getAttribute("alt") || ""));
    });
    var date = doc.querySelector(".article-meta time");
    var page = meta("citation_firstpage");
    var details = [date ? date.textContent.trim() : ""];
    if (page) details.push("第" + page + "版");
    if (meta("article:section")) details.push(meta("article:section"));
    if (reporters.length) details.push("记者 " + reporters.join("、"));
    var title = text("h1");
    var xhtml = '<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE html>\n' +
      '<html xmlns="http://www.w3.org/1999/xhtml" lang="' + esc(info.lang) + '" xml:lang="' + esc(info.lang) + '">\n' +
      '<head>\n<meta charset="UTF-8"/>\n<title>' + esc(title) + '</title>\n' +
      '<link rel="stylesheet" type="text/css" href="style.css"/>\n</head>\n<body>\n<article>\n<header>\n' +
      (text(".kicker") ? '<p class="kicker">' + esc(text(".kicker")) + "</p>\n" : "") +
      "<h1>" + esc(title) + "</h1>\n" +
      (text(".subtitle") ? '<p class="subtitle">' + esc(text(".subtitle")) + "</p>\n" : "") +
      '<p class="meta">' + esc(details.filter(Boolean).join(" · ")) + "</p>\n</header>\n" +
      new XMLSerializer().serializeToString(body) + "\n</article>\n</body>\n</html>\n";
    return { title: title, reporters: reporters, xhtml: xhtml };
  }

  function makeEpub(info) {
    var pages = contents();
    var urls = [].concat.apply([], pages.map(function (p) { return p.urls; }));
    return Promise.all(urls.map(function (url) {
      return fetch(url).then(function (response) {
        if (!response.ok) throw new Error(url + "：" + response.status);
        return response.text();
      }).then(function (html) { return chapter(html, url, info); });
    })).then(function (chapters) {
      var names = chapters.map(function (_, i) { return "a" + String(i + 1).padStart(3, "0") + ".xhtml"; });
      var title = info.title;
      var contributors = [];
      chapters.forEach(function (c) {
        c.reporters.forEach(function (name) { if (contributors.indexOf(name) < 0) contributors.push(name); });
      });
      var lang = esc(info.lang);
      var opf = '<?xml version="1.0" encoding="UTF-8"?>\n' +
        '<package xmlns="http://www.idpf.org/2007/opf" version="3.0" unique-identifier="uid" xml:lang="' + lang + '">\n' +
        '<metadata xmlns:dc="http://purl.org/dc/elements/1.1/">\n' +
        '<dc:identifier id="uid">' + esc(info.identifier) + "</dc:identifier>\n" +
        "<dc:title>" + esc(title) + "</dc:title>\n<dc:language>" + lang + "</dc:language>\n" +
        "<dc:date>" + esc(info.date) + "</dc:date>\n" +
        (info.paper ? "<dc:publisher>" + esc(info.paper) + "</dc:publisher>\n" : "") +
        contributors.map(function (name) { return "<dc:contributor>" + esc(name) + "</dc:contributor>\n"; }).join("") +
        (info.note ? "<dc:description>" + esc(info.note) + "</dc:description>\n" : "") +
        '<meta property="dcterms:modified">' + esc(info.date) + "T00:00:00Z</meta>\n</metadata>\n<manifest>\n" +
        '<item id="nav" href="nav.xhtml" media-type="application/xhtml+xml" properties="nav"/>\n' +
        '<item id="css" href="style.css" media-type="text/css"/>\n' +
        names.map(function (name) {
          return '<item id="' + name.slice(0, -6) + '" href="' + name + '" media-type="application/xhtml+xml"/>\n';
        }).join("") +
        '</manifest>\n<spine>\n<itemref idref="nav"/>\n' +
        names.map(function (name) { return '<itemref idref="' + name.slice(0, -6) + '"/>\n'; }).join("") +
        "</spine>\n</package>\n";
      var n = 0;
      var toc = pages.map(function (page) {
        return "<li><span>" + esc(page.label) + "</span>\n<ol>\n" + page.urls.map(function () {
          var i = n++;
          return '<li><a href="' + names[i] + '">' + esc(chapters[i].title) + "</a></li>\n";
        }).join("") + "</ol>\n</li>\n";
      }).join("");
      var nav = '<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE html>\n' +
        '<html xmlns="http://www.w3.org/1999/xhtml" xmlns:epub="http://www.idpf.org/2007/ops" lang="' + lang +
        '" xml:lang="' + lang + '">\n<head>\n<meta charset="UTF-8"/>\n<title>' + esc(title) + "</title>\n" +
        '<link rel="stylesheet" type="text/css" href="style.css"/>\n</head>\n<body>\n' +
        "<h1>" + esc(info.name) + "</h1>\n" +
        '<p class="date">' + esc(info.day) + (info.number ? " · 第" + esc(info.number) + "期" : "") + "</p>\n" +
        (info.note ? '<p class="note">' + esc(info.note) + "</p>\n" : "") +
        '<nav epub:type="toc" id="toc">\n<h2>目录</h2>\n<ol>\n' + toc + "</ol>\n</nav>\n</body>\n</html>\n";
      var container = '<?xml version="1.0" encoding="UTF-8"?>\n' +
        '<container version="1.0" xmlns="urn:oasis:names:tc:opendocument:xmlns:container">\n<rootfiles>\n' +
        '<rootfile full-path="OEBPS/package.opf" media-type="application/oebps-package+xml"/>\n</rootfiles>\n</container>\n';
      var files = [
        // The mimetype comes first and uncompressed (EPUB OCF 3.0, 4.3).
        { name: "mimetype", text: "application/epub+zip", store: true },
        { name: "META-INF/container.xml", text: container },
        { name: "OEBPS/package.opf", text: opf },
        { name: "OEBPS/nav.xhtml", text: nav },
        { name: "OEBPS/style.css", text: STYLE }
      ].concat(chapters.map(function (c, i) { return { name: "OEBPS/" + names[i], text: c.xhtml }; }));
      return zip(files);
    });
  }

  // A ZIP file (what an EPUB is): entries deflated where the browser can (CompressionStream),
  // else stored; fixed times, so that the same issue gives the same bytes.
  var CRC_TABLE = (function () {
    var table = new Uint32Array(256);
    for (var n = 0; n < 256; n++) {
      var c = n;
      for (var k = 0; k < 8; k++) c = c & 1 ? 0xEDB88320 ^ (c >>> 1) : c >>> 1;
      table[n] = c >>> 0;
    }
    return table;
  })();

  function crc32(bytes) {
    var c = 0xFFFFFFFF;
    for (var i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]) & 0xFF] ^ (c >>> 8);
    return (c ^ 0xFFFFFFFF) >>> 0;
  }

  function deflate(bytes) {
    if (typeof CompressionStream === "undefined") return Promise.resolve(null);
    try {
      var stream = new Blob([bytes]).stream().pipeThrough(new CompressionStream("deflate-raw"));
      return new Response(stream).arrayBuffer().then(function (b) { return new Uint8Array(b); }, function () { return null; });
    } catch (e) {
      return Promise.resolve(null);  // no "deflate-raw" in this browser
    }
  }

  function zip(files) {
    var encoder = new TextEncoder();
    files.forEach(function (f) { f.data = encoder.encode(f.text); f.path = encoder.encode(f.name); });
    return Promise.all(files.map(function (f) { return f.store ? null : deflate(f.data); })).then(function (packed) {
      var parts = [], central = [], offset = 0;
      files.forEach(function (f, i) {
        var deflated = packed[i] && packed[i].length < f.data.length;
        var data = deflated ? packed[i] : f.data;
        var crc = crc32(f.data);
        var local = new DataView(new ArrayBuffer(30));
        local.setUint32(0, 0x04034b50, true);
        local.setUint16(4, 20, true);            // version needed
        local.setUint16(8, deflated ? 8 : 0, true);
        local.setUint16(12, 0x21, true);         // 1980-01-01, 00:00
        local.setUint32(14, crc, true);
        local.setUint32(18, data.length, true);
        local.setUint32(22, f.data.length, true);
        local.setUint16(26, f.path.length, true);
        var entry = new DataView(new ArrayBuffer(46));
        entry.setUint32(0, 0x02014b50, true);
        entry.setUint16(4, 20, true);            // made by
        entry.setUint16(6, 20, true);            // needed
        entry.setUint16(10, deflated ? 8 : 0, true);
        entry.setUint16(14, 0x21, true);
        entry.setUint32(16, crc, true);
        entry.setUint32(20, data.length, true);
        entry.setUint32(24, f.data.length, true);
        entry.setUint16(28, f.path.length, true);
        entry.setUint32(42, offset, true);
        parts.push(local, f.path, data);
        central.push(entry, f.path);
        offset += 30 + f.path.length + data.length;
      });
      var size = central.reduce(function (sum, part) { return sum + part.byteLength; }, 0);
      var end = new DataView(new ArrayBuffer(22));
      end.setUint32(0, 0x06054b50, true);
      end.setUint16(8, files.length, true);
      end.setUint16(10, files.length, true);
      end.setUint32(12, size, true);
      end.setUint32(16, offset, true);
      return new Blob(parts.concat(central, [end]), { type: "application/epub+zip" });
    });
  }
})();
