// The widget frame (on the forum's origin, inside a publisher's page): reports its height to the page,
// signs readers in without third-party cookies (a popup on the forum, or the publisher's signed token),
// posts comments and votes through the JSON API. The widget token lives in memory only.
(function () {
  "use strict";
  var done = document.getElementById("fw-done");
  if (done) {
    // The sign-in popup: hand the token to the frame that opened it, which is on this same origin.
    if (window.opener) {
      window.opener.postMessage(
        { type: "forum-widget:token", token: done.dataset.token, name: done.dataset.name },
        location.origin
      );
      setTimeout(function () { window.close(); }, 400);
    }
    return;
  }

  var root = document.getElementById("fw-root");
  var allowed = root ? JSON.parse(root.dataset.parentOrigins || "[]") : [];
  var ancestor = location.ancestorOrigins && location.ancestorOrigins.length ? location.ancestorOrigins[0] : "";
  var parentOrigin = (root && root.dataset.parentOrigin) || ancestor || (allowed.length === 1 ? allowed[0] : "");
  if (root && allowed.indexOf(parentOrigin) < 0) parentOrigin = "";
  if (!root) parentOrigin = ancestor; // an error page: nothing in it but the message

  var lastHeight = 0;
  function reportHeight() {
    if (window.parent === window || !parentOrigin) return;
    var h = Math.ceil(document.documentElement.getBoundingClientRect().height);
    if (h !== lastHeight) {
      lastHeight = h;
      window.parent.postMessage({ type: "forum-widget:height", height: h }, parentOrigin);
    }
  }
  if (window.ResizeObserver) new ResizeObserver(reportHeight).observe(document.documentElement);
  reportHeight();
  if (!root) return;

  var token = null, popup = null, draftKey = null;
  var status = document.getElementById("fw-status");
  var list = document.getElementById("fw-list");
  var form = document.getElementById("fw-form");
  var mine = document.getElementById("fw-mine");
  var mineBox = document.getElementById("fw-mine-box");

  // The reader's own comments sit under the comment box, where they look after posting.
  function showMine(html, prepend) {
    if (!mine) return;
    if (prepend) mine.insertAdjacentHTML("afterbegin", html);
    else mine.innerHTML = html;
    mineBox.hidden = !mine.children.length;
  }

  function say(text, isError) {
    status.textContent = text;
    status.classList.toggle("fw-error", !!isError);
  }

  function api(url, body) {
    var headers = { Accept: "application/json" };
    if (body) headers["Content-Type"] = "application/json";
    if (token) headers.Authorization = "Bearer " + token;
    else headers["X-CSRFToken"] = root.dataset.csrf;
    return fetch(url, {
      method: body ? "POST" : "GET",
      headers: headers,
      body: body ? JSON.stringify(body) : undefined,
      credentials: token ? "omit" : "same-origin"
    }).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (b) {
        if (!r.ok) throw new Error(b.error ? b.error.message : "Something went wrong (" + r.status + ").");
        return b;
      });
    });
  }

  function markVotes(votes) {
    list.querySelectorAll(".fw-comment").forEach(function (c) {
      var v = votes[c.dataset.comment];
      c.querySelectorAll(".fw-vote").forEach(function (b) {
        var on = v !== undefined && { agree: 1, disagree: -1, pass: 0 }[b.dataset.vote] === v;
        b.setAttribute("aria-pressed", on ? "true" : "false");
      });
    });
  }

  function signedIn(newToken, name) {
    token = newToken;
    document.getElementById("fw-name").textContent = name;
    document.getElementById("fw-signed-in").hidden = false;
    document.getElementById("fw-signed-out").hidden = true;
    say("Signed in as " + name + ".");
    api(root.dataset.meUrl).then(function (b) { markVotes(b.votes); }).catch(function () {});
    api(root.dataset.mineUrl).then(function (b) {
      showMine(b.comments.map(function (c) { return c.html; }).join(""), false);
    }).catch(function () {});
  }

  function sso(t) {
    api(root.dataset.ssoUrl, { site: root.dataset.site, token: t })
      .then(function (b) { signedIn(b.token, b.user.name); })
      .catch(function (err) { say(err.message, true); });
  }

  window.addEventListener("message", function (e) {
    var m = e.data || {};
    if (popup && e.source === popup && e.origin === location.origin && m.type === "forum-widget:token") {
      signedIn(m.token, m.name);
    } else if (e.source === window.parent && parentOrigin && e.origin === parentOrigin && m.type === "forum-widget:sso") {
      sso(m.token);
    }
  });

  var signin = document.getElementById("fw-signin");
  if (signin) {
    signin.addEventListener("click", function () {
      popup = window.open(root.dataset.signin, "forum_signin", "popup,width=520,height=640");
      if (!popup) say("Allow popups for this page to sign in.", true);
    });
  }

  var hash = /[#&]sso=([^&]+)/.exec(location.hash);
  if (hash) {
    history.replaceState(null, "", location.pathname + location.search);
    sso(decodeURIComponent(hash[1]));
  }

  if (form) {
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      var side = form.querySelector("input[name=side]:checked");
      draftKey = draftKey || Date.now().toString(36) + Math.random().toString(36).slice(2);
      api(root.dataset.postUrl, {
        site: root.dataset.site,
        body: form.elements.body.value,
        side: side ? side.value : "",
        idempotency_key: draftKey
      }).then(function (b) {
        showMine(b.html, true);
        form.reset();
        draftKey = null;
        say(b.status === "published" ? "Your comment is posted." : "Your comment awaits moderation.");
        var posted = mine && mine.firstElementChild;
        if (posted && posted.scrollIntoView) posted.scrollIntoView({ block: "nearest" });
      }).catch(function (err) { say(err.message, true); });
    });
  }

  list.addEventListener("click", function (e) {
    var button = e.target.closest(".fw-vote");
    if (!button) return;
    var article = button.closest(".fw-comment");
    var url = root.dataset.voteUrl.replace("/0/", "/" + article.dataset.comment + "/");
    api(url, { site: root.dataset.site, vote: button.dataset.vote }).then(function (b) {
      Object.keys(b.counts).forEach(function (k) {
        article.querySelector('[data-count="' + k + '"]').textContent = b.counts[k];
      });
      article.querySelectorAll(".fw-vote").forEach(function (x) {
        x.setAttribute("aria-pressed", x === button ? "true" : "false");
      });
      say("Your vote is recorded.");
    }).catch(function (err) { say(err.message, true); });
  });
})();
