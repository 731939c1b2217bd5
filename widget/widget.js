// ringtrace widget. A site pastes it once:
//   <script async src="https://EDGE/widget.js" data-site="SITE"></script>
// with optional data-timeout="1500" (ms to wait for the edge), data-attributes="aria-label
// title data-phone" (attributes to swap numbers in too), data-extension-label="ext." (the word
// before a visitor's extension; default: the site's), data-consent="required" (see below) and
// data-debug; ?ringtrace_debug and ?ringtrace_number=+1… on the page's URL are for checking a
// setup.
//
// Consent. With data-consent="required", until the visitor consents the widget stores nothing,
// reads no cookie and sends no visitor id: the edge answers a source-level number (the same
// for every such visitor of the channel or source). On consent — ringtrace.consent(true), a
// Google Consent Mode `analytics_storage: 'granted'` in the page's dataLayer, or the IAB TCF
// v2 API's purpose 1 (storage) — it takes a lease of the visitor's own and swaps again; on
// withdrawal (ringtrace.consent(false), or those signals denied) it deletes what it stored,
// gives the lease back and shows a source-level number again. Without data-consent the
// visitor counts as consenting (ringtrace.consent(false) still withdraws).
//
// This file is the browser plumbing: the tag's options, the visitor id, requests to the edge, the
// lease's heartbeat and release, the page watcher and `window.ringtrace`. What the page
// shows — which text, `tel:` link or attribute holds a business number, how the tracking
// number is written there, where never to write — is decided by the wasm (src/lib.rs, and
// shared's phone module). Why the split: see src/lib.rs.
//
// It runs on other people's pages: everything lives inside one function (the page gets one
// global, `ringtrace`), nothing is thrown, and on any failure the page keeps its numbers.
//
// Built by scripts/build-widget.sh: esbuild bundles this module with wasm-bindgen's glue for
// the wasm (its "bundler" output, imported as `ringtrace-glue`) into one minified script, and
// this file instantiates the wasm itself, as a bundler would.
import * as glue from "ringtrace-glue";

(function () {
  var doc = document, nav = navigator, script = doc.currentScript;
  var site = script && script.getAttribute("data-site");
  if (!site || typeof WebAssembly != "object" || !window.fetch || !window.Promise ||
    !window.AbortController || !window.URLSearchParams) return;

  var KEY = "ringtrace_vid", UNTIL = KEY + "_until", LINES = "ringtrace_lines";
  var CONSENT_POLL_MS = 500; // how often the page's consent signals are looked at
  var HEARTBEAT_MS = 240000; // well inside the default 15-minute lease
  var BATCH_MS = 50; // page changes within this time are swapped together
  var LOAD_MS = 10000; // the longest the wasm may take to arrive
  // What the edge accepts as a visitor id (shared/src/visitor.rs).
  var VISITOR_ID = /^[\w-]{8,64}$/;
  var E164 = /^\+[1-9]\d{6,14}$/;
  // Click ids the edge classifies a visit by (shared/src/traffic/source.rs).
  var CLICK_IDS = /^(gclid|gbraid|wbraid|msclkid|yclid|ttclid|fbclid)$/;
  // Crawlers, link previews and headless browsers: they would hold a number no person calls.
  var BOTS = /bot|crawl|spider|slurp|headless|lighthouse|facebookexternalhit|preview|pingdom|gtmetrix|phantomjs|python-requests|curl\/|wget/i;

  // The edge API and the wasm live next to this script.
  var base = script.src.replace(/[?#].*$/, "").replace(/[^/]*$/, "");
  var query = new URLSearchParams(location.search);
  var debug = script.hasAttribute("data-debug") || query.has("ringtrace_debug");
  var timeout = script.getAttribute("data-timeout");
  timeout = /^\s*\d+\s*$/.test(timeout) ? Math.min(Math.max(+timeout, 100), 10000) : 1500;

  var wasm; // the wasm's functions, once loaded (and while they work)
  // [business, tracking] numbers (E.164) the page shows swapped; the site's main number
  // first. A pair of a number with itself: no tracking number for it now. A tracking number
  // shown with the visitor's extension carries it after a comma, as a phone dials it:
  // "+15550100909,042".
  var pairs = [];
  // The word the page prints before an extension: the tag's, else the site's (from the edge).
  var label = script.getAttribute("data-extension-label");
  var attributes = ""; // the opted-in attributes the widget may write
  var settled, waiting = [], listeners = [], announced;
  var observer, pending = [];
  var visitor; // this visitor's id
  var unshown = []; // the site's other business numbers the page has not shown yet
  var held = []; // {g: grant} for each lease this page holds, released when it is left
  var watching = { childList: true, subtree: true, characterData: true, attributeFilter: ["href"] };
  var required = script.getAttribute("data-consent") == "required";
  var consented = !required; // whether the widget may identify the visitor
  var era = 0; // counts consent changes: an answer asked for before the last one is stale
  var kept = []; // the heartbeats running: [timer, listener]
  var override, swapped; // swapped: the first swap is done

  function say(what) {
    if (debug) console.info("ringtrace: " + what);
  }

  // Storage and cookies throw in Safari's private mode and sandboxed frames; so may a site's
  // own listeners. None of that may reach the page or stop the widget.
  function quietly(f) {
    try {
      return f();
    } catch (e) {}
  }

  function nothing() {}

  // Calls into the wasm. If one throws (something no test foresaw), the widget stops touching
  // the page for good: a wasm instance that threw may not be sound any more.
  function call(f) {
    if (!wasm) return;
    try {
      return f(wasm);
    } catch (e) {
      wasm = null;
      if (observer) observer.disconnect();
      say("stopped: " + e);
    }
  }

  function connected(node) {
    return node.isConnected;
  }

  // A grant's number as the page shows it: with the visitor's extension, if it has one.
  function shownOf(g) {
    if (g.extension && !label) label = g.extension_label;
    return g.extension ? g.number + "," + g.extension : g.number;
  }

  function flat(list) {
    return list.filter(function (p) { return p[0] != p[1]; }).map(function (p) { return p.join(" "); }).join(" ");
  }

  // POSTs `body` as JSON (GETs without one) to the edge, giving up after `timeout`. Resolves
  // to the answer's JSON when its status is 200; rejects with the status otherwise.
  function send(path, body) {
    var abort = new AbortController();
    var timer = setTimeout(function () { abort.abort(); }, timeout);
    var init = { signal: abort.signal, credentials: "omit" };
    if (body) {
      init.method = "POST";
      init.body = JSON.stringify(body);
      // text/plain keeps this a "simple" CORS request: no preflight round trip.
      init.headers = { "content-type": "text/plain;charset=UTF-8" };
    }
    var answer = fetch(base + path, init).then(function (r) {
      if (r.status != 200) throw r.status;
      return r.json();
    });
    answer.then(done, done);
    function done() {
      clearTimeout(timer);
    }
    return answer;
  }

  // A grant from the edge, checked: a malformed answer is a failure like any other.
  function granted(g) {
    if (!g || typeof g.number != "string" || typeof g.replaces != "string") throw "a malformed answer";
    return g;
  }

  // A lease (or the visitor's current one) for the site's main business number or `business`,
  // with what the edge attributes it to: utm tags, referrer and landing page (the landing
  // page's query carries the click ids; its fragment, which may hold tokens, is left out).
  // Held from the moment it is granted: leaving the page releases it.
  // `lines`: the site's other business numbers the page shows, leased in the same request
  // (their grants come back in the answer's `lines`). Without consent: no visitor id, no
  // cookie read, and `"consent": false` (a source-level number, nothing to hold).
  function lease(business, lines) {
    var page = location.origin + location.pathname, from = doc.referrer;
    var body = { site: site };
    if (consented) {
      body.visitor = visitor;
      page += location.search;
    } else {
      // Only what classifies the visit leaves the page: which click id it has (not its value),
      // and the referring site.
      body.consent = false;
      var ids = [];
      query.forEach(function (v, k) {
        if (CLICK_IDS.test(k) && v && ids.indexOf(k) < 0) ids.push(k + "=1");
      });
      if (ids.length) page += "?" + ids.join("&");
      from = from && from.replace(/^([^:]+:\/\/[^/?#]*).*$/, "$1/");
    }
    body.landing_page = page;
    if (business) body.business_number = business;
    if (lines && lines.length) body.lines = lines.slice(0, 10);
    ["source", "medium", "campaign", "term", "content"].forEach(function (tag) {
      var value = query.get("utm_" + tag);
      if (value != null) body["utm_" + tag] = value;
    });
    if (from) body.referrer = from;
    var who = visitor;
    return send("v1/lease", consented ? adCookies(body) : body).then(granted).then(function (g) {
      if (typeof g.lease_id != "string") throw "a malformed answer";
      g.business = business;
      if (typeof g.place == "string" && !place) {
        place = g.place.toUpperCase();
        if (required) applyMode();
      }
      g.lines = (Array.isArray(g.lines) ? g.lines : []).filter(function (x) {
        try {
          granted(x);
          return typeof x.lease_id == "string";
        } catch (e) {}
      });
      [g].concat(g.lines).forEach(function (x, i) {
        if (i) x.business = x.replaces;
        x.visitor = who; // its holder, even once consent is withdrawn
        if (x.consent !== false) held.push({ g: x });
      });
      return g;
    });
  }

  // A grant and the grants of the other lines that came with it.
  function all(g) {
    return [g].concat(g.lines || []);
  }

  // The ad platforms' own first-party cookies (GA4's _ga, Meta's _fbp and _fbc), added to
  // `body`: the keys they match the conversions the edge sends back by. Sent with each renew
  // too, for a tag that set them after the lease was asked for. When the page's Consent Mode
  // denies ad storage: none, and `"ad_storage": false` (the edge keeps no click id either).
  function adCookies(body) {
    if (adDenied) {
      body.ad_storage = false;
      return body;
    }
    var jar = quietly(function () { return doc.cookie; }) || "";
    [["ga", "_ga"], ["fbp", "_fbp"], ["fbc", "_fbc"]].forEach(function (c) {
      var m = new RegExp("(?:^|;\\s*)" + c[1] + "=([^;]{1,300})").exec(jar);
      if (m) body[c[0]] = m[1];
    });
    return body;
  }

  function ref(grant) {
    return { site: site, visitor: grant.visitor || visitor, lease_id: grant.lease_id };
  }

  // Gives a lease back (the page will not show it, or is being left).
  function release(grant) {
    held = held.filter(function (h) { return h.g != grant; });
    quietly(function () {
      nav.sendBeacon(base + "v1/lease/release", JSON.stringify(ref(grant)));
    });
  }

  addEventListener("pagehide", function () {
    held.forEach(function (h) {
      quietly(function () { nav.sendBeacon(base + "v1/lease/release", JSON.stringify(ref(h.g))); });
    });
  });

  // The visitor's id: kept from an earlier visit (within the site's lifetime) when storage
  // allows, otherwise new.
  function visitorId() {
    var id = quietly(function () {
      return +localStorage.getItem(UNTIL) > Date.now() && localStorage.getItem(KEY);
    }) || "";
    if (VISITOR_ID.test(id)) return id;
    var cookie = /(?:^|;\s*)ringtrace_vid=([\w-]{8,64})(?:;|$)/.exec(quietly(function () { return doc.cookie; }) || "");
    if (cookie) return cookie[1];
    return [].map.call(crypto.getRandomValues(new Uint8Array(16)), function (b) {
      return (b + 256).toString(16).slice(1);
    }).join("");
  }

  // Keeps the id for the site's touch lifetime: localStorage, and a first-party cookie as a
  // second copy. Only once a number is shown: a failed lease stores nothing.
  function remember(id, secs) {
    secs = secs > 0 ? secs : 90 * 86400;
    quietly(function () {
      localStorage.setItem(KEY, id);
      localStorage.setItem(UNTIL, Date.now() + secs * 1000);
    });
    quietly(function () {
      doc.cookie = KEY + "=" + id + "; path=/; max-age=" + secs + "; SameSite=Lax" +
        (location.protocol == "https:" ? "; Secure" : "");
    });
  }

  // The lines this visitor's pages showed besides the main one (kept with consent only): the
  // next page asks for them with its first request.
  function storedLines() {
    var list = quietly(function () { return localStorage.getItem(LINES); }) || "";
    return list.split(" ").filter(function (n) { return E164.test(n); });
  }

  function rememberLines() {
    if (!consented || override) return;
    var lines = pairs.slice(1).map(function (p) { return p[0]; }).join(" ");
    quietly(function () {
      if (lines) localStorage.setItem(LINES, lines);
      else localStorage.removeItem(LINES);
    });
  }

  // Consent withdrawn: the heartbeats stop, every lease goes back, and what the widget
  // stored is deleted.
  function forget() {
    kept.forEach(function (k) {
      clearInterval(k[0]);
      doc.removeEventListener("visibilitychange", k[1]);
    });
    kept = [];
    held.slice().forEach(function (h) { release(h.g); });
    [KEY, UNTIL, LINES].forEach(function (k) {
      quietly(function () { localStorage.removeItem(k); });
    });
    quietly(function () {
      doc.cookie = KEY + "=; path=/; max-age=0; SameSite=Lax" + (location.protocol == "https:" ? "; Secure" : "");
    });
    visitor = "";
  }

  function ready() {
    return new Promise(function (resolve) {
      if (doc.readyState == "loading") doc.addEventListener("DOMContentLoaded", resolve);
      else resolve();
    });
  }

  // Where the page's recent changes need a new look: an attribute's element; the line around
  // changed text; each added node's line (the node itself when it is a block, so a section
  // added to <body> is looked at, not the whole body); the line a node was removed from (its
  // neighbours may now spell a number).
  function rootsOf(records) {
    var roots = [];
    function add(node) {
      var root = node && call(function (w) { return w.line_of(node); });
      if (root && roots.indexOf(root) < 0) roots.push(root);
    }
    for (var i = 0; i < records.length; i++) {
      var r = records[i];
      if (r.type == "attributes") {
        if (roots.indexOf(r.target) < 0) roots.push(r.target);
      } else if (r.type == "characterData" || r.removedNodes.length) add(r.target);
      for (var k = 0; r.addedNodes && k < r.addedNodes.length; k++) add(r.addedNodes[k]);
    }
    return roots;
  }

  // Swaps under each of `roots` (the page's pairs, or `using`: a number the heartbeat
  // changed) and tells the listeners about the page's pairs. The watcher is paused meanwhile,
  // so the widget never reacts to its own edits; what the page changed just before is
  // swapped now too (with the page's pairs), not dropped.
  function swapNow(roots, using) {
    var count = 0, taken = [];
    if (observer) {
      taken = rootsOf(observer.takeRecords()).filter(connected);
      observer.disconnect();
    }
    function swapIn(list, into) {
      into.forEach(function (root, i) {
        if (into.indexOf(root) == i) count += call(function (w) { return w.swap(root, list, attributes, label || "ext."); }) || 0;
      });
    }
    swapIn(flat(using || pairs), roots);
    var changed = count;
    if (using) swapIn(flat(pairs), taken);
    else swapIn(flat(pairs), taken.filter(function (r) { return roots.indexOf(r) < 0; }));
    if (observer && wasm) observer.observe(doc.documentElement, watching);
    var main = pairs[0];
    if (count && !using && main && main[0] != main[1]) tell(main, count);
    // A line the page shows only now gets its own tracking number.
    leaseLater(using ? taken : roots.concat(taken));
    return using ? changed : count;
  }

  // `ringtrace.on('swap')` listeners, and once per page a `dataLayer` event for Google Tag
  // Manager / GA4 when the page has a `dataLayer`.
  function tell(pair, count) {
    var parts = pair[1].split(",");
    var detail = { number: parts[0], replaces: pair[0], count: count };
    if (parts[1]) detail.extension = parts[1];
    var layer = window.dataLayer;
    if (!announced && Array.isArray(layer)) {
      quietly(function () {
        // `push` may be GTM's own function: call it rather than touching the array.
        var data = { event: "ringtrace_number_swapped", ringtrace_number: parts[0], ringtrace_replaces: pair[0] };
        if (parts[1]) data.ringtrace_extension = parts[1];
        layer.push(data);
      });
    }
    announced = 1;
    listeners.forEach(function (f) {
      quietly(function () { f(detail); });
    });
  }

  // Content the page adds later (single-page apps, late footers, chat widgets) is swapped in
  // batches, for the rest of the page's life. The whole document is watched, not <body>:
  // Turbo, pjax and the like replace the body element.
  function watch() {
    observer = new MutationObserver(function (records) {
      var idle = !pending.length;
      pending = pending.concat(rootsOf(records));
      if (idle && pending.length) setTimeout(flush, BATCH_MS);
    });
    observer.observe(doc.documentElement, watching);
  }

  function flush() {
    var roots = pending;
    pending = [];
    // Only roots still in the page and not inside another root of this batch.
    swapNow(roots.filter(function (r, i) {
      return connected(r) && roots.indexOf(r) == i && !roots.some(function (o) { return o != r && o.contains(r); });
    }));
  }

  // The site's other business numbers (a service line…) get tracking numbers of their own
  // once the page shows them under `roots` where a swap would replace them: at first, or in
  // content added later. Each is asked for once; resolves to the grants.
  function leaseShown(roots) {
    var shown = unshown.filter(function (business) {
      return roots.some(function (root) {
        return call(function (w) { return w.shows(root, business, attributes); });
      });
    });
    unshown = unshown.filter(function (business) { return shown.indexOf(business) < 0; });
    if (!shown.length) return Promise.resolve([]);
    var mine = era;
    // One request for every line shown.
    return lease(shown[0], shown.slice(1)).then(function (g) {
      if (mine != era) {
        unshown = unshown.concat(shown); // asked for again after the consent change
        return stale(g);
      }
      return all(g).map(function (x) {
        keep(x);
        say("showing " + shownOf(x) + " in place of " + x.replaces);
        return x;
      });
    }, function () {
      return [];
    });
  }

  // A grant asked for before consent changed: given back, not shown.
  function stale(g) {
    all(g).forEach(function (x) {
      if (x.consent !== false) release(x);
    });
    return [];
  }

  function leaseLater(roots) {
    if (!unshown.length || !roots.length) return;
    leaseShown(roots).then(function (more) {
      more.forEach(function (g) { put(g.replaces, shownOf(g)); });
      rememberLines();
    }, nothing);
  }

  // Shows `number` in place of `business` from now on (the business number itself: no
  // tracking number for it now), and changes what the page shows now.
  // The page's listeners hear of it like of any swap.
  function put(business, number) {
    var pair = pairs.filter(function (p) { return p[0] == business; })[0];
    var before = pair ? pair[1] : business;
    if (before == number) return;
    if (pair) pair[1] = number;
    else pairs.push([business, number]);
    var count = swapNow([doc.body], [[before, number]]);
    if (count) tell([business, number], count);
  }

  // Keeps `grant` while the visitor is on the page: renews it every few minutes while the
  // page is visible and at once on coming back to it; if it ended meanwhile (expired while
  // hidden, or released when the page was frozen), takes a new one and shows its number.
  function keep(grant) {
    if (grant.consent === false || override) return; // a source-level number: nothing to hold
    var busy, holder = held.filter(function (h) { return h.g == grant; })[0] || { g: grant };
    function idle() {
      busy = 0;
    }
    function beat() {
      if (busy || doc.visibilityState != "visible") return;
      busy = 1;
      var current = holder.g, mine = era;
      send("v1/lease/renew", adCookies(ref(current))).then(nothing, function (status) {
        if ((status == 404 || status == 410) && mine == era) {
          return lease(current.business).then(function (fresh) {
            if (mine != era) return stale(fresh); // consent changed meanwhile
            held = held.filter(function (h) { return h.g != fresh; });
            holder.g = fresh;
            if (held.indexOf(holder) < 0) held.push(holder);
            put(fresh.replaces, shownOf(fresh));
          }, function () {
            // No new lease: the old number may be someone else's now.
            if (mine == era) put(current.replaces, current.replaces);
          });
        }
      }).then(idle, idle);
    }
    kept.push([setInterval(beat, HEARTBEAT_MS), beat]);
    doc.addEventListener("visibilitychange", beat);
  }

  // Consent given or withdrawn (`yes`): in a page already swapped, every line's number is
  // replaced by a lease of the visitor's own, or by a source-level one after what was stored
  // is deleted and the leases given back. Before that, the first swap takes the change into
  // account.
  function setConsent(yes) {
    yes = !!yes;
    if (yes == consented) return;
    consented = yes;
    era++;
    say(yes ? "consent given" : "consent withdrawn");
    if (yes) visitor = visitorId();
    else forget();
    if (swapped && !override && wasm) reconsider();
  }

  // After a consent change: one request for every line the page shows (its pairs, and lines
  // it shows that have no number yet), each shown as answered; after a withdrawal a line the
  // answer leaves out shows the business number (the visitor's was given back).
  function reconsider() {
    var mine = era;
    var showing = unshown.filter(function (b) {
      return call(function (w) { return w.shows(doc.body, b, attributes); });
    });
    unshown = unshown.filter(function (b) { return showing.indexOf(b) < 0; });
    var lines = pairs.slice(1).map(function (p) { return p[0]; }).concat(showing);
    lease(null, lines).then(function (g) {
      if (mine != era) {
        unshown = unshown.concat(showing);
        return stale(g);
      }
      if (consented) remember(visitor, g.visitor_lifetime_secs);
      var got = all(g).map(function (x) {
        keep(x);
        put(x.replaces, shownOf(x));
        return x.replaces;
      });
      if (!consented) pairs.forEach(function (p) { if (got.indexOf(p[0]) < 0) put(p[0], p[0]); });
      rememberLines();
    }, function () {
      if (mine != era) return;
      unshown = unshown.concat(showing);
      // No answer. A visitor who consented keeps the source-level numbers (they are still
      // the channel's); one who withdrew gave their numbers back: the page's own return.
      if (!consented) pairs.forEach(function (p) { put(p[0], p[0]); });
    });
  }

  // The page's consent signals (with data-consent="required").
  // Google Consent Mode: the gtag('consent', 'default' | 'update', {analytics_storage,
  // ad_storage, region}) calls in the dataLayer, read in order from the start. Per setting, an
  // update wins; else the default for the visitor's place (a subdivision's over a country's
  // over the global one; the edge says where the visitor is with its first answer, and until
  // then a region's denial counts). Applied when its outcome changes, so the site's own
  // ringtrace.consent() calls are not undone.
  var layerSeen = 0, defaults = [], updates = {}, place, applied, tcf, adDenied;
  function modeOf(k) {
    if (k in updates) return updates[k];
    var best, rank = -1;
    defaults.forEach(function (d) {
      if (d.k != k) return;
      var r = !d.r.length ? 0 : !place ? (d.v ? -1 : 3)
        : d.r.indexOf(place) >= 0 ? 2 : d.r.indexOf(place.split("-")[0]) >= 0 ? 1 : -1;
      if (r >= rank && r >= 0) {
        rank = r;
        best = d.v;
      }
    });
    return best;
  }

  function applyMode() {
    var a = modeOf("analytics_storage"), ad = modeOf("ad_storage");
    adDenied = ad === false;
    if (a != null && a !== applied) {
      applied = a;
      setConsent(a);
    }
  }

  function readSignals() {
    var layer = window.dataLayer;
    for (; Array.isArray(layer) && layerSeen < layer.length; layerSeen++) {
      quietly(function () {
        var e = layer[layerSeen], o = e && e[2];
        if (!o || e[0] != "consent" || (e[1] != "default" && e[1] != "update")) return;
        ["analytics_storage", "ad_storage"].forEach(function (k) {
          var v = o[k];
          if (v != "granted" && v != "denied") return;
          if (e[1] == "update") updates[k] = v == "granted";
          else defaults.push({ k: k, v: v == "granted", r: [].concat(o.region || []).map(function (r) { return String(r).toUpperCase(); }) });
        });
      });
    }
    applyMode();
    // The IAB TCF v2 API: purpose 1 (store and access information on a device) consented,
    // for the publisher or the purpose, or GDPR not applying.
    if (!tcf && typeof window.__tcfapi == "function") {
      tcf = 1;
      quietly(function () {
        window.__tcfapi("addEventListener", 2, function (d, ok) {
          quietly(function () {
            if (!ok || !d || (d.eventStatus != "tcloaded" && d.eventStatus != "useractioncomplete")) return;
            var mine = d.publisher && d.publisher.consents, theirs = d.purpose && d.purpose.consents;
            setConsent(d.gdprApplies === false || !!((mine && mine[1]) || (theirs && theirs[1])));
          });
        });
      });
    }
  }

  // The lease is settled: answer the `number()` calls waiting for it.
  function finish(why) {
    if (why) say(why);
    settled = 1;
    waiting.splice(0).forEach(quietly);
  }

  // The number shown in place of `business` (as printed or E.164): its tracking number
  // ("+15550100909,042" with an extension), else itself in E.164; null for what is no phone
  // number. Empty: the main number's tracking number, null while there is none.
  function numberFor(business) {
    business = quietly(function () { return business == null ? "" : String(business); }) || "";
    var main = pairs[0], pair = business
      ? pairs.filter(function (p) { return p[0] == e164(business); })[0] || [0, e164(business)]
      : main && main[0] != main[1] && main;
    return (pair && pair[1]) || null;
  }

  // A number as people type it, in E.164, read as the edge reads it: a `+` or `00` prefix, or
  // North American with 10 digits (11 from a 1); else null.
  function e164(typed) {
    if (!/^[\d\s()+./-]*$/.test(typed = typed.trim())) return null;
    var d = typed.replace(/\D/g, "");
    d = typed[0] == "+" ? d : /^00/.test(d) ? d.slice(2) : d.length == 10 ? "1" + d : d.length == 11 && d[0] == "1" ? d : "";
    return E164.test("+" + d) ? "+" + d : null;
  }

  // The wasm, downloaded and compiled as it streams in, wired to its glue. A page whose CSP
  // does not allow WebAssembly ('wasm-unsafe-eval') refuses even the smallest module: checked
  // first, so such a page takes no lease it cannot show.
  function wasmAllowed() {
    return quietly(function () { return !!new WebAssembly.Module(new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0])); });
  }

  function load() {
    var imports = { "./ringtrace_widget_bg.js": glue };
    var loaded = fetch(base + "ringtrace_widget_bg.wasm", { credentials: "omit" }).then(function (r) {
      if (!r.ok) throw "wasm " + r.status;
      return WebAssembly.instantiateStreaming && /wasm/.test(r.headers.get("content-type"))
        ? WebAssembly.instantiateStreaming(r, imports)
        : r.arrayBuffer().then(function (bytes) { return WebAssembly.instantiate(bytes, imports); });
    }).then(function (result) {
      var exports = result.instance.exports;
      glue.__wbg_set_wasm(exports);
      if (exports.__wbindgen_start) exports.__wbindgen_start();
      wasm = glue;
    });
    var late = new Promise(function (_, reject) { setTimeout(function () { reject("the wasm took too long"); }, LOAD_MS); });
    return Promise.race([loaded, late]);
  }

  // window.ringtrace: swap(elementOrSelector?) swaps again (default: the whole page) and says
  // how many places changed; number(businessNumber?) is a Promise of the number shown in its
  // place (with an extension: "+15550100909,042", as a phone dials it); on('swap', fn) calls
  // fn({number, replaces, count, extension?}) after each swap.
  if (!("ringtrace" in window)) {
    window.ringtrace = {
      site: site,
      swap: function (target) {
        var root = quietly(function () {
          return target == null ? doc.body : typeof target == "string" ? doc.querySelector(target) : target;
        });
        if (root && root.nodeType == 9) root = root.documentElement;
        return root && root.nodeType && settled ? swapNow([root]) : 0;
      },
      number: function (business) {
        return new Promise(function (resolve) {
          function answer() {
            resolve(numberFor(business));
          }
          settled ? answer() : waiting.push(answer);
        });
      },
      on: function (event, f) {
        if (event == "swap" && typeof f == "function") listeners.push(f);
      },
      // consent(true) when the visitor consents to being recognised, consent(false) when
      // they withdraw; consent() says which holds now.
      consent: function (yes) {
        if (arguments.length) quietly(function () { setConsent(yes); });
        return consented;
      },
    };
  }

  // Asks for the lease while the wasm downloads; once both (and the page) are there, swaps.
  function start() {
    if (nav.webdriver || BOTS.test(nav.userAgent)) return finish("a crawler or automated browser: no tracking number");
    if (!wasmAllowed()) return finish("this page does not allow WebAssembly (CSP 'wasm-unsafe-eval'): no tracking number");
    override = query.get("ringtrace_number");
    if (required && !override) {
      readSignals();
      setInterval(readSignals, CONSENT_POLL_MS);
    }
    var mine = era;
    visitor = override || !consented ? "" : visitorId();
    var first = override
      // One of the site's own tracking numbers shown without a lease, for a site owner checking
      // their setup; the edge confirms it is the site's (nobody can show theirs through a link).
      ? send("v1/widget/" + encodeURIComponent(site) + "?number=" + encodeURIComponent(override)).then(granted, function (status) {
        throw status == 404 ? "the test number is not one of this site's tracking numbers" : status;
      })
      // The lines this visitor's earlier pages showed come in the same request.
      : lease(null, consented ? storedLines() : []);
    Promise.all([first, load(), ready()]).then(function (r) {
      var main = r[0];
      // The attributes the site opts into (space or comma separated) that the widget may
      // write: plain names, never form values, links, sources, styles or event handlers.
      attributes = (script.getAttribute("data-attributes") || "").split(/[\s,]+/).filter(function (n) {
        return /^[a-z][a-z\d-]*$/i.test(n) && !/^(value|href|src|srcset|action|style|on.*)$/i.test(n);
      }).join(" ");
      watching.attributeFilter = watching.attributeFilter.concat(attributes ? attributes.split(" ") : []);
      say((override ? "test override: " : "") + "showing " + shownOf(main) + " in place of " + main.replaces);
      // Lines leased with the first request that this page does not show go back.
      var lines = (main.lines || []).filter(function (g) {
        if (call(function (w) { return w.shows(doc.body, g.replaces, attributes); })) return 1;
        if (g.consent !== false) release(g);
      });
      if (!override) {
        unshown = (main.other_business_numbers || []).filter(function (b) {
          return !lines.some(function (g) { return g.replaces == b; });
        });
      }
      // The site's other lines this page shows get their numbers before the first swap.
      return leaseShown([doc.body]).then(function (more) {
        var grants = [main].concat(lines, more);
        pairs = grants.map(function (g) { return [g.replaces, shownOf(g)]; });
        swapped = 1;
        var fresh = override || mine == era;
        if (fresh) {
          if (!override && consented) remember(visitor, main.visitor_lifetime_secs);
          [main].concat(lines).forEach(keep);
        } else {
          stale(main); // consent changed while it was on its way
        }
        swapNow([doc.body]);
        rememberLines();
        watch();
        finish();
        // Consent changed while the first lease was on its way: now for the page.
        if (!fresh) reconsider();
      });
    }).catch(function (why) {
      // A lease the page will not show (the wasm failed to arrive or run) goes back at once.
      if (!swapped && !override) first.then(stale, nothing);
      finish("no tracking number (" + (why || "no answer") + "): the page keeps its numbers");
    });
  }

  try {
    start();
  } catch (e) {
    finish("no tracking number (" + e + "): the page keeps its numbers");
  }
})();
