// Progressive enhancement: votes without a page reload. Every action also works as a plain form.
(function () {
  "use strict";
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.classList || !form.classList.contains("vote-form")) return;
    var button = event.submitter;
    if (!button || !window.fetch) return;
    event.preventDefault();
    var data = new FormData(form);
    data.set("vote", button.value);
    fetch(form.action, { method: "POST", body: data, headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) { return response.json().then(function (body) { return [response.ok, body]; }); })
      .then(function (result) {
        if (!result[0]) { window.alert(result[1].error ? result[1].error.message : "Your vote was not recorded."); return; }
        var counts = result[1].counts;
        Object.keys(counts).forEach(function (key) {
          var el = form.querySelector('[data-count="' + key + '"]');
          if (el) el.textContent = counts[key];
        });
        form.querySelectorAll("button.vote").forEach(function (b) {
          var chosen = b === button;
          b.classList.toggle("chosen", chosen);
          b.setAttribute("aria-pressed", chosen ? "true" : "false");
        });
      })
      .catch(function () { form.submit(); });
  });
})();
