/* The search engine: full-text search over the archive with Pagefind (no page of its own: the
 * search page, search-page.js, and window.archiveSearch use it).
 *
 * The index holds every Han character as its own word (newsarchive/search/records.py), so a query
 * is rewritten the same way and sent as an exact phrase: 人大常委会 → "人 大 常 委 会". That finds
 * every article containing the query as a substring, as find-in-page does. Phrase results are
 * not ranked, so they are ordered by date.
 *
 * What counts as Han, the filters and the index's paths come from the build (newsarchive/text.py,
 * newsarchive/search/page.py), written into the page as JSON: #search-settings.
 */
(function () {
  "use strict";

  var settingsTag = document.getElementById("search-settings");
  if (!settingsTag) return;
  var SETTINGS = JSON.parse(settingsTag.textContent);
  var PATHS = SETTINGS.paths;
  var HAN = SETTINGS.han;
  var CJK = HAN + SETTINGS.cjkPunctuation;
  var SYMBOLS = SETTINGS.symbols;  // words of their own, as in the index
  var HAN_BOUNDARY = new RegExp("(?<=[" + HAN + SYMBOLS + "])(?=\\S)|(?<=\\S)(?=[" + HAN + SYMBOLS + "])", "gu");
  // a gap Pagefind's excerpt shows beside a Han character or CJK punctuation mark
  var CJK_GAP_AFTER = new RegExp("([" + CJK + "](?:</mark>)?)\\s+(?=(?:<mark>)?[" + CJK + "\\p{P}])", "gu");
  var CJK_GAP_BEFORE = new RegExp("([\\p{P}](?:</mark>)?)\\s+(?=(?:<mark>)?[" + CJK + "])", "gu");
  // Pagefind joins a headline and the next block with ". "; in Chinese an ideographic space reads right
  var BLOCK_JOIN = new RegExp("([" + CJK + "])\\.(</mark>)?\\s*(?=(?:<mark>)?[" + CJK + "\\u25a0])", "gu");

  /** 人大常委会 → "人 大 常 委 会": the query as the index holds it. */
  function toPhrase(query) {
    // Punctuation is not indexed as a word, so it only separates the words of the phrase.
    // (but not a point or dash inside a number or Latin word: 3.25 is one word to the index too)
    var spaced = (query || "").replace(/(?<![A-Za-z0-9])\p{P}|\p{P}(?![A-Za-z0-9])/gu, " ")
      .replace(HAN_BOUNDARY, " ").replace(/\s+/g, " ").trim();
    // A lone Han character is quoted too: unquoted, Pagefind would also match it at the start of
    // the (unspaced) metadata it indexes, 要 in the section 要闻.
    return spaced.indexOf(" ") >= 0 || /^\p{Script=Han}$/u.test(spaced) ? '"' + spaced + '"' : spaced;
  }

  /** Excerpts come back spaced like the index: join Han characters again, merge <mark>s. */
  function tidyExcerpt(html) {
    return html.replace(/<\/mark>(\s*)<mark>/g, "$1")
      .replace(CJK_GAP_AFTER, "$1").replace(CJK_GAP_BEFORE, "$1")
      .replace(BLOCK_JOIN, "$1$2\u3000");
  }

  var root = new URL(document.documentElement.dataset.root || "./", location.href);
  var shardsLoading = null;

  /** A shard of pagefind/shards.json ("1969-02-3 21 23", newsarchive/search/shards.py shard_entry):
   *  its name, bundle folder, first and last day, and its slot in the router (its place in name
   *  order: the list is newest first, so the last entry is slot 0; newsarchive/search/router.py). */
  function shardInfo(entry, slot) {
    var parts = entry.split(" "), id = parts[0];
    var day = function (written) { return id.slice(0, 10 - written.length) + written; };
    return { id: id, path: id + "/", first: day(parts[1]), last: day(parts[2]), slot: slot };
  }

  /** The search index comes in shards (a year, a month or a third of a month): pagefind/shards.json. */
  function loadShards() {
    if (!shardsLoading) {
      shardsLoading = fetch(new URL(PATHS.shards, root).href)
        .then(function (r) { if (!r.ok) throw new Error(PATHS.shards + ": " + r.status); return r.json(); })
        .then(function (list) {
          return list.map(function (entry, i) { return { info: shardInfo(entry, list.length - 1 - i), pagefind: null }; });
        });
    }
    return shardsLoading;
  }

  /** Each shard is a Pagefind bundle of its own, loaded when first searched. */
  function openShard(shard) {
    if (!shard.pagefind) {
      var url = new URL(PATHS.pagefind + shard.info.path + "pagefind.js", root).href;
      shard.pagefind = import(url).then(function (pagefind) {
        return pagefind.options({ baseUrl: root.pathname, excerptLength: 40 }).then(function () {
          return pagefind.init();
        }).then(function () {
          return pagefind.filters();  // loads the filter index: without it searches report no filter counts
        }).then(function () { return pagefind; });
      });
    }
    return shard.pagefind;
  }

  var routerMeta = null;
  var routerFiles = {};

  /** Han characters, and pairs of adjacent Han characters, of a query (whitespace removed): as the
   *  build lists them per shard in pagefind/router/ (newsarchive/search/router.py route_keys). */
  function routeKeys(text) {
    var chars = Array.from(text.replace(/\s+/g, ""));
    var isHan = function (c) { return new RegExp("^[" + HAN + "]$", "u").test(c); };
    var pairs = [];
    for (var i = 0; i + 1 < chars.length; i++) {
      if (isHan(chars[i]) && isHan(chars[i + 1])) pairs.push(chars[i] + chars[i + 1]);
    }
    return pairs.length ? pairs : chars.filter(isHan);
  }

  /** A key's shards as a bit set, from its entry (newsarchive/search/router.py encode): one slot's
   *  number, a list of slot numbers, or hexadecimal digits; no entry, no shard. */
  function bitsOf(value) {
    if (value === undefined) return 0n;
    if (typeof value === "number") return 1n << BigInt(value);
    if (Array.isArray(value)) return value.reduce(function (m, n) { return m | (1n << BigInt(n)); }, 0n);
    return BigInt("0x" + value);
  }

  function routeBucket(key, buckets) {
    var h = 0;
    Array.from(key).forEach(function (ch) { h = (h * 31 + ch.codePointAt(0)) % 1000003; });
    return h % buckets;
  }

  /** Keep only the shards that hold every character pair of some form of the query. */
  function routeShards(shards, forms) {
    if (shards.length < 2 || !forms.length) return Promise.resolve(shards);
    var keysOfForms = forms.map(routeKeys);
    if (keysOfForms.some(function (keys) { return !keys.length; })) return Promise.resolve(shards);
    routerMeta = routerMeta || fetch(new URL(PATHS.router, root).href).then(function (r) { return r.json(); });
    return routerMeta.then(function (meta) {
      var wanted = {};
      keysOfForms.forEach(function (keys) { keys.forEach(function (k) { wanted[routeBucket(k, meta.buckets)] = true; }); });
      return Promise.all(Object.keys(wanted).map(function (n) {
        if (!routerFiles[n]) {
          routerFiles[n] = fetch(new URL(PATHS.routerBucket.replace("{n}", n), root).href)
            .then(function (r) { return r.ok ? r.json() : {}; });
        }
        return routerFiles[n];
      })).then(function () {
        return Promise.all(Object.keys(wanted).map(function (n) { return routerFiles[n]; }));
      }).then(function () {
        var tables = {};
        return Promise.all(Object.keys(routerFiles).map(function (n) {
          return routerFiles[n].then(function (t) { tables[n] = t; });
        })).then(function () {
          var mask = 0n;
          keysOfForms.forEach(function (keys) {
            var m = -1n;
            keys.forEach(function (k) {
              m &= bitsOf(tables[routeBucket(k, meta.buckets)][k]);
            });
            mask |= m;
          });
          return shards.filter(function (s) {  // bit n of a key's entry: the shard in slot n
            return ((mask >> BigInt(s.info.slot)) & 1n) === 1n;
          });
        });
      });
    });
  }

  /** The shards a search needs: those whose years a year filter selects and whose period meets
   *  the date range, in the order of the sort. */
  function shardsFor(shards, options) {
    var years = [].concat((options.filters || {}).year || []);
    var from = options.from || "", to = options.to || "\uffff";
    var chosen = shards.filter(function (s) {
      return (!years.length || years.some(function (y) {
        return s.info.first.slice(0, 4) <= y && y <= s.info.last.slice(0, 4);
      })) && s.info.first <= to && from <= s.info.last;
    });
    return options.sort === "asc" ? chosen.slice().reverse() : chosen;
  }

  /** A date as YYYY-MM-DD, or "" if it is none (a range's ends come from a form or a URL). */
  function isoDay(value) {
    var m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value || "");
    var d = m && new Date(Date.UTC(+m[1], +m[2] - 1, +m[3]));
    return d && d.getUTCDate() === +m[3] ? m[0] : "";
  }

  /** The days of the range that a shard covers, for Pagefind's day filter; null when the shard
   *  lies inside the range (no filter needed). */
  function daysFor(shard, from, to) {
    var first = from > shard.info.first ? from : shard.info.first;
    var last = to && to < shard.info.last ? to : shard.info.last;
    if (first === shard.info.first && last === shard.info.last) return null;
    var days = [], day = new Date(first + "T00:00:00Z"), end = new Date(last + "T00:00:00Z");
    for (; day <= end; day.setUTCDate(day.getUTCDate() + 1)) days.push(day.toISOString().slice(0, 10));
    return days;
  }

  /** Filter counts of several searches, combined value by value: summed (disjoint shards) or the
   *  largest (forms of one query, which find mostly the same pages). */
  function combineCounts(list, combine) {
    var out = null;
    list.forEach(function (counts) {
      if (!counts) return;
      out = out || {};
      Object.keys(counts).forEach(function (key) {
        out[key] = out[key] || {};
        Object.keys(counts[key]).forEach(function (value) {
          out[key][value] = value in out[key] ? combine(out[key][value], counts[key][value]) : counts[key][value];
        });
      });
    });
    return out;
  }

  function sum(a, b) { return a + b; }

  function pagefindFilters(filters) {
    var out = {};
    Object.keys(filters || {}).forEach(function (key) {
      var values = [].concat(filters[key]).filter(Boolean);
      if (values.length) out[key] = { any: values };
    });
    return out;
  }

  var variantsLoading = null;

  /** OpenCC's character tables for this archive (search/variants.json): 哈爾濱 → 哈尔滨 and back. */
  function loadVariants() {
    if (!variantsLoading) {
      variantsLoading = fetch(new URL(PATHS.variants, root).href)
        .then(function (r) { return r.ok ? r.json() : {}; })
        .catch(function () { return {}; });
    }
    return variantsLoading;
  }

  function convert(text, table) {
    return Array.from(text).map(function (ch) { return (table && table[ch]) || ch; }).join("");
  }

  /** The query as typed, and in the other script where that differs. */
  function queryForms(query, tables) {
    var forms = [query, convert(query, tables.t2s), convert(query, tables.s2t)];
    return forms.filter(function (f, i) { return f && forms.indexOf(f) === i; });
  }

  function squash(text) {
    return (text || "").replace(/\s+/g, "");
  }

  function hasPunctuation(text) {
    return /[\p{P}\p{S}]/u.test(text.replace(new RegExp("[" + SYMBOLS + "]", "gu"), ""));
  }

  /** The index leaves punctuation out, so a query that holds some (“，八”) is checked against
   *  each page's text, as find-in-page would; the filter counts are counted again from what is kept. */
  function keepExactMatches(answer) {
    var wanted = answer.forms.map(squash);
    return Promise.all(answer.results.map(function (r) {
      return r.data().then(function (d) { return { result: r, data: d }; });
    })).then(function (pairs) {
      var kept = pairs.filter(function (p) {
        var text = squash(p.data.content);
        return wanted.some(function (w) { return text.indexOf(w) >= 0; });
      });
      var counts = {};
      kept.forEach(function (p) {
        p.result.data = function () { return Promise.resolve(p.data); };
        Object.keys(p.data.filters || {}).forEach(function (key) {
          counts[key] = counts[key] || {};
          p.data.filters[key].forEach(function (v) { counts[key][v] = (counts[key][v] || 0) + 1; });
        });
      });
      return { results: kept.map(function (p) { return p.result; }), forms: answer.forms, filters: counts };
    });
  }

  /** One shard: each form of the query, merged; pages with punctuation in the query checked. */
  function searchShard(pagefind, text, forms, filters, sort) {
    var searches = (forms.length ? forms : [null]).map(function (form) {
      return pagefind.search(form === null ? null : toPhrase(form), { filters: filters, sort: sort });
    });
    return Promise.all(searches).then(function (found) {
      // Sorted searches score each page by its place in the sort order, so one ordering holds
      // across the forms of the query; a page found by two forms is shown once.
      var byId = new Map();
      found.forEach(function (s) {
        (s ? s.results : []).forEach(function (r) { if (!byId.has(r.id)) byId.set(r.id, r); });
      });
      var results = Array.from(byId.values()).sort(function (a, b) { return b.score - a.score; });
      var answer = { results: results, forms: forms,
                     filters: combineCounts(found.map(function (s) { return s && s.filters; }), Math.max) };
      return text && hasPunctuation(text) ? keepExactMatches(answer) : answer;
    });
  }

  /** The one search code path, for the page and for window.archiveSearch. Shards cover disjoint
   *  periods, so their results, each sorted by date, follow one another in the order of the sort;
   *  they are searched one after another, and only as far as the results wanted: a reader's first
   *  page of results loads the newest shard (or the few it takes), not the whole archive. */
  function runSearch(query, options) {
    options = options || {};
    var text = (query || "").trim();
    var filters = pagefindFilters(options.filters);
    var from = isoDay(options.from), to = isoDay(options.to);
    if (from && to && from > to) { var swap = from; from = to; to = swap; }
    options = Object.assign({}, options, { from: from, to: to });
    var search = { results: [], filters: null, forms: [], complete: true, searchedTo: null,
                   more: function () { return Promise.resolve(search); } };
    if (!toPhrase(text) && !Object.keys(filters).length && !from && !to) return Promise.resolve(search);
    var sort = { date: options.sort === "asc" ? "asc" : "desc" };
    return Promise.all([loadShards(), text ? loadVariants() : {}]).then(function (loaded) {
      search.forms = text ? queryForms(text, loaded[1]) : [];
      return routeShards(loaded[0], search.forms);
    }).then(function (routed) {
      var queue = shardsFor(routed, options).slice();  // a copy: shifted as shards are searched
      var running = null;
      search.complete = !queue.length;
      /** Search the next shards until `wanted` results are in hand (or none is left). */
      search.more = function (wanted) {
        if (running) return running.then(function () { return search.more(wanted); });
        if (search.complete || search.results.length >= wanted) return Promise.resolve(search);
        var shard = queue.shift();
        var days = (from || to) ? daysFor(shard, from, to) : null;
        var shardFilters = days ? Object.assign({}, filters, { day: { any: days } }) : filters;
        running = openShard(shard).then(function (pagefind) {
          return searchShard(pagefind, text, search.forms, shardFilters, sort);
        }).then(function (answer) {
          search.results = search.results.concat(answer.results);
          search.filters = combineCounts([search.filters, answer.filters], sum);
          search.searchedTo = shard.info;
          search.complete = !queue.length;
          running = null;
          return search.more(wanted);
        });
        return running;
      };
      return search;
    });
  }

  /** Filter values and counts of the whole archive, written by the build (no index is loaded). */
  function allFilters() {
    return fetch(new URL(PATHS.filters, root).href).then(function (r) { return r.ok ? r.json() : null; });
  }

  /** Resolves to the URLs of every result, in display order. */
  window.archiveSearch = function (query, options) {
    return runSearch(query, options).then(function (search) {
      return search.more(Infinity);
    }).then(function (search) {
      return Promise.all(search.results.map(function (r) { return r.data(); }));
    }).then(function (data) {
      return data.map(function (d) { return d.url; });
    });
  };

  /** For the search page's scripts (search-page.js, search-disk.js). */
  window.ArchiveSearch = { settings: SETTINGS, root: root, run: runSearch, allFilters: allFilters,
                           tidyExcerpt: tidyExcerpt, isoDay: isoDay, bitsOf: bitsOf, shardInfo: shardInfo };
})();

