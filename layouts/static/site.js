/* Progressive enhancements; every page works without them.
 * - registers the service worker (https or localhost only) for offline reading;
 * - "save this issue" on issue pages, the list of saved issues on saved/;
 * - one-click copy of citations. */
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
        var links = document.getElementById("save-list").content.querySelectorAll("a");
        var urls = [location.href].concat([].map.call(links, function (a) { return new URL(a.getAttribute("href"), location.href).href; }));
        status.textContent = "正在保存……";
        button.disabled = true;
        ask({ type: "save", url: location.href, title: button.dataset.title, date: button.dataset.date, urls: urls })
          .then(function () { status.textContent = "已保存，可离线阅读本期 " + (urls.length - 3) + " 篇文章。"; })
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

  var secure = location.protocol === "https:" || location.hostname === "localhost" || location.hostname === "127.0.0.1";
  if ("serviceWorker" in navigator && secure) setUpOffline();

  document.querySelectorAll("button.copy").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () {
      var text = document.getElementById(button.dataset.copy).textContent;
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
