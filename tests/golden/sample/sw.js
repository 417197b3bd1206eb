/* newsarchive service worker, build 09d9c8b8faf569b7.
 *
 * Pages come from the network when it answers, so a reader online always sees the current build.
 * Offline, everything comes from this build's caches only: the pages the reader opened and the
 * issues they saved. A new build (a new version here) re-fetches what was saved and opened before
 * it takes over, then deletes the old caches, so old and new pages are never mixed.
 */
"use strict";
const VERSION = "09d9c8b8faf569b7";
const SHELL = "shell-" + VERSION, SAVED = "saved-" + VERSION, OPENED = "opened-" + VERSION;
const INDEX = "__saved__.json";
const ROOT = new URL("./", self.location).href;
const SHELL_FILES = ["index.html", "static/style.css", "static/site.js", "static/icon.svg", "saved/index.html",
                     "404.html", "manifest.webmanifest"].map((p) => ROOT + p);

// Always ask the server (a 304 is cheap): the browser's HTTP cache may still hold the old build.
function fetchFresh(url) {
  return fetch(url, { cache: "no-cache", credentials: "same-origin" });
}

async function store(cache, url) {
  const response = await fetchFresh(url);
  if (!response.ok) throw new Error(url + ": " + response.status);
  await cache.put(pageKey(url), response);
}

async function carryOver(cacheName) {
  // Re-fetch, from this build, what an older version's cache of this kind held.
  const kind = cacheName.split("-")[0];
  for (const old of await caches.keys()) {
    if (!old.startsWith(kind + "-") || old === cacheName) continue;
    const oldCache = await caches.open(old);
    const cache = await caches.open(cacheName);
    for (const request of await oldCache.keys()) {
      if (request.url.endsWith(INDEX)) {
        await cache.put(request, await oldCache.match(request));
      } else {
        await store(cache, request.url);
      }
    }
  }
}

self.addEventListener("install", (event) => {
  event.waitUntil((async () => {
    const shell = await caches.open(SHELL);
    await Promise.all(SHELL_FILES.map((url) => store(shell, url)));
    await carryOver(SAVED);
    await carryOver(OPENED);
    await self.skipWaiting();
  })());
});

self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) {
      if (![SHELL, SAVED, OPENED].includes(name)) await caches.delete(name);
    }
    await self.clients.claim();
  })());
});

function pageKey(url) {
  const u = new URL(url);
  u.hash = "";
  u.search = "";
  if (u.pathname.endsWith("/")) u.pathname += "index.html";
  return u.href;
}

async function fromCache(url) {
  for (const name of [SAVED, OPENED, SHELL]) {
    const hit = await (await caches.open(name)).match(pageKey(url));
    if (hit) return hit;
  }
  return null;
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET" || !request.url.startsWith(ROOT)) return;
  event.respondWith((async () => {
    try {
      const response = await (request.mode === "navigate" ? fetchFresh(request.url) : fetch(request, { cache: "no-cache" }));
      if (response.ok && request.mode === "navigate") {
        await (await caches.open(OPENED)).put(pageKey(request.url), response.clone());
      }
      return response;
    } catch (error) {
      const cached = await fromCache(request.url);
      if (cached) return cached;
      if (request.mode === "navigate") {  // not saved: say so on the offline page, whose links work
        return Response.redirect(ROOT + "saved/index.html?offline=" + encodeURIComponent(request.url), 302);
      }
      throw error;
    }
  })());
});

async function readIndex() {
  const hit = await (await caches.open(SAVED)).match(ROOT + INDEX);
  return hit ? hit.json() : [];
}

self.addEventListener("message", (event) => {
  const port = event.ports[0];
  const data = event.data || {};
  (async () => {
    if (data.type === "save") {
      const cache = await caches.open(SAVED);
      await Promise.all(data.urls.map((url) => store(cache, url)));
      const index = (await readIndex()).filter((item) => item.url !== pageKey(data.url));
      index.push({ url: pageKey(data.url), title: data.title, date: data.date, count: data.urls.length });
      index.sort((a, b) => (a.date < b.date ? 1 : -1));
      await cache.put(ROOT + INDEX, new Response(JSON.stringify(index), { headers: { "Content-Type": "application/json" } }));
      return { ok: true, saved: index };
    }
    if (data.type === "list") return { ok: true, saved: await readIndex(), version: VERSION };
    return { ok: false, error: "unknown message" };
  })().then((reply) => port.postMessage(reply), (error) => port.postMessage({ ok: false, error: String(error) }));
});
