/* A printed page's view: the scan, zoomable and pannable to full resolution (OpenSeadragon over
 * the page's IIIF level-0 tiles), every article's region a link, and the words of a search
 * (?hl=…, as search results link) highlighted where the OCR has their boxes.
 *
 * Without OpenSeadragon (no script, or a copy saved for offline reading without it) the page stays
 * as the HTML gives it: the scan at reading size with its regions as links.
 */
(function () {
  "use strict";

  var dataTag = document.getElementById("page-data");
  if (!dataTag) return;
  var data = JSON.parse(dataTag.textContent);
  var params = new URLSearchParams(location.search);
  var wanted = params.getAll("hl").map(squash).filter(Boolean);

  function squash(text) { return (text || "").replace(/\s+/g, ""); }

  /** Boxes of every occurrence of the words on the page, one a line the occurrence runs over:
   *  each OCR word's box shared out among its characters. */
  function highlights() {
    var boxes = [];
    data.words.forEach(function (line) {
      var chars = [];
      line.forEach(function (word) {
        var text = Array.from(squash(word[0])), x = word[1], y = word[2], w = word[3], h = word[4];
        text.forEach(function (ch, i) {
          chars.push({ ch: ch, x: x + w * i / text.length, y: y, w: w / text.length, h: h });
        });
      });
      var joined = chars.map(function (c) { return c.ch; });
      wanted.forEach(function (word) {
        var needle = Array.from(word);
        for (var i = 0; i + needle.length <= joined.length; i++) {
          var k = 0;
          while (k < needle.length && joined[i + k] === needle[k]) k++;
          if (k < needle.length) continue;
          var part = chars.slice(i, i + needle.length);
          var left = Math.min.apply(null, part.map(function (c) { return c.x; }));
          var top = Math.min.apply(null, part.map(function (c) { return c.y; }));
          var right = Math.max.apply(null, part.map(function (c) { return c.x + c.w; }));
          var bottom = Math.max.apply(null, part.map(function (c) { return c.y + c.h; }));
          boxes.push([left, top, right - left, bottom - top]);
        }
      });
    });
    return boxes;
  }

  var found = wanted.length ? highlights() : [];
  var figure = document.getElementById("scan-static");
  found.forEach(function (b) {  // on the static image too: it is what shows until the viewer opens
    var mark = document.createElement("span");
    mark.className = "hl-box";
    mark.style.position = "absolute";
    mark.style.left = (100 * b[0] / data.width) + "%";
    mark.style.top = (100 * b[1] / data.height) + "%";
    mark.style.width = (100 * b[2] / data.width) + "%";
    mark.style.height = (100 * b[3] / data.height) + "%";
    figure.appendChild(mark);
  });

  // the article a link asked for (#r-slug): its region marked
  function markCurrent() {
    var current = location.hash.slice(1);
    [].forEach.call(document.querySelectorAll(".region"), function (a) {
      a.classList.toggle("current", !!current && a.id === current);
    });
  }
  markCurrent();
  window.addEventListener("hashchange", markCurrent);

  if (typeof OpenSeadragon !== "function") return;
  var zoom = document.getElementById("scan-zoom");
  var tiles = Object.assign({}, data.tiles, { id: new URL("iiif", location.href).href });
  var viewer = OpenSeadragon({
    element: zoom, tileSources: tiles, showNavigationControl: false, crossOriginPolicy: false,
    drawer: "canvas",  // WebGL is not everywhere (a phone in power saving, a browser without a GPU)
    gestureSettingsMouse: { clickToZoom: false }, gestureSettingsTouch: { pinchRotate: false },
    visibilityRatio: 0.5, maxZoomPixelRatio: 2, animationTime: 0.4
  });
  window.archivePageViewer = viewer;  // for tests and the curious

  viewer.addHandler("open", function () {
    figure.hidden = true;
    zoom.hidden = false;
    document.querySelector(".scan-tools").hidden = false;
    var image = viewer.world.getItemAt(0);
    function overlay(element, box) {
      viewer.addOverlay({ element: element, location: image.imageToViewportRectangle(box[0], box[1], box[2], box[3]) });
    }
    data.regions.forEach(function (region) {
      region.boxes.forEach(function (box, n) {
        var a = document.createElement("a");
        a.className = "region";
        a.href = region.href;
        a.title = region.title;
        a.setAttribute("aria-label", region.title);
        if (n === 0) a.dataset.article = region.id;
        a.addEventListener("click", function (event) { event.stopPropagation(); });
        // OpenSeadragon takes pointer events for panning: a click that did not drag follows the link
        new OpenSeadragon.MouseTracker({ element: a, clickHandler: function (e) {
          if (e.quick) location.href = a.href;
        } });
        overlay(a, box);
      });
    });
    found.forEach(function (b) {
      var mark = document.createElement("span");
      mark.className = "hl-box";
      overlay(mark, b);
    });
    var current = location.hash.slice(1).replace(/^r-/, "");
    var target = data.regions.filter(function (r) { return r.id === current; })[0];
    if (target) {
      viewer.viewport.fitBoundsWithConstraints(image.imageToViewportRectangle.apply(image, target.boxes[0]), true);
    } else if (found.length) {
      viewer.viewport.fitBoundsWithConstraints(image.imageToViewportRectangle(
        found[0][0] - 300, found[0][1] - 300, found[0][2] + 600, found[0][3] + 600), true);
    }
  });
  viewer.addHandler("open-failed", function () { zoom.hidden = true; figure.hidden = false; });

  [].forEach.call(document.querySelectorAll("[data-zoom]"), function (button) {
    button.addEventListener("click", function () {
      var how = button.dataset.zoom;
      if (how === "home") viewer.viewport.goHome();
      else viewer.viewport.zoomBy(how === "in" ? 1.5 : 1 / 1.5);
      viewer.viewport.applyConstraints();
    });
  });
})();
