/* The forum's debate widget loader. Paste on an article page:
 *   <div data-forum-widget data-site="KEY" data-story="ID"></div>
 *   <script async src="https://FORUM/embed.js"></script>
 * (data-url="canonical URL" instead of data-story, with data-story-token="token" to start a listed
 * discussion with the title the publisher signed; data-sso="token" for publisher sign-in.)
 * Comment counts: <span data-forum-count="ID or URL" data-site="KEY"></span>.
 * Plain JavaScript, no build step; one global, window.ForumWidget; safe to load twice. */
(function (w, d) {
  "use strict";
  if (w.ForumWidget && w.ForumWidget.scan) {
    w.ForumWidget.scan();
    return;
  }
  var me = d.currentScript, scripts, base, frames = [];
  if (!me) {
    scripts = d.querySelectorAll('script[src*="/embed.js"]');
    me = scripts[scripts.length - 1];
  }
  base = new URL(me.src, location.href).origin;

  function data(el, name) {
    return el.getAttribute("data-" + name) || "";
  }

  function canonical() {
    var link = d.querySelector('link[rel="canonical"]');
    return (link && link.href) || location.href.split("#")[0];
  }

  function mount(el) {
    var q = new URLSearchParams(), f = d.createElement("iframe"), sso = data(el, "sso");
    el.setAttribute("data-forum-ready", "1");
    q.set("site", data(el, "site"));
    if (data(el, "story")) q.set("story", data(el, "story"));
    else q.set("url", new URL(data(el, "url") || canonical(), location.href).href);
    // The title and question of a new discussion come only from the publisher's signed story token.
    if (data(el, "story-token")) q.set("story_token", data(el, "story-token"));
    f.src = base + "/widget/frame?" + q + (sso ? "#sso=" + encodeURIComponent(sso) : "");
    f.title = data(el, "frame-title") || "Reader debate";
    f.referrerPolicy = "origin"; // lets the forum check the page's origin
    f.style.width = "100%";
    f.style.border = "0";
    f.style.display = "block";
    f.style.height = "420px";
    el.textContent = "";
    el.appendChild(f);
    frames.push(f);
  }

  function counts() {
    var els = d.querySelectorAll("[data-forum-count]:not([data-forum-ready])"), groups = {}, site, i;
    for (i = 0; i < els.length; i++) {
      site = data(els[i], "site");
      if (!site) continue;
      els[i].setAttribute("data-forum-ready", "1");
      (groups[site] = groups[site] || []).push(els[i]);
    }
    Object.keys(groups).forEach(function (key) {
      var q = new URLSearchParams({ site: key }), list = groups[key];
      list.forEach(function (el) {
        var v = data(el, "forum-count");
        if (/^\d+$/.test(v)) q.append("story", v);
        else q.append("url", (el.fwUrl = new URL(v || canonical(), location.href).href));
      });
      fetch(base + "/widget/count?" + q, { credentials: "omit" })
        .then(function (r) { return r.json(); })
        .then(function (res) {
          list.forEach(function (el) {
            var n = el.fwUrl ? (res.urls || {})[el.fwUrl] : (res.stories || {})[data(el, "forum-count")];
            if (typeof n === "number") el.textContent = n + (n === 1 ? " comment" : " comments");
          });
        })
        .catch(function () {});
    });
  }

  function scan() {
    var els = d.querySelectorAll("[data-forum-widget]:not([data-forum-ready])"), i;
    for (i = 0; i < els.length; i++) mount(els[i]);
    counts();
  }

  // Height reports: only from one of our frames' windows, only from the forum's origin.
  w.addEventListener("message", function (e) {
    var m = e.data, i, h;
    if (e.origin !== base || !m || m.type !== "forum-widget:height") return;
    for (i = 0; i < frames.length; i++) {
      if (frames[i].contentWindow === e.source) {
        h = Math.ceil(+m.height);
        if (h > 0 && h < 20000) frames[i].style.height = h + "px";
      }
    }
  });

  w.ForumWidget = {
    scan: scan,
    /* Sign a reader in later (single-page sites): a fresh token from the publisher's server. */
    signIn: function (el, token) {
      var f = el && el.querySelector("iframe");
      if (f && f.contentWindow) f.contentWindow.postMessage({ type: "forum-widget:sso", token: token }, base);
    }
  };
  if (d.readyState === "loading") d.addEventListener("DOMContentLoaded", scan);
  else scan();
})(window, document);
