// The snippet page: each "Copy" button copies the code block it names to the clipboard.
(function () {
  "use strict";
  function copied(button, ok) {
    var status = document.getElementById(button.dataset.copy + "-status");
    if (status) status.textContent = ok ? "Copied." : "Select the text and copy it (Ctrl+C).";
  }
  document.addEventListener("click", function (e) {
    var button = e.target.closest("button[data-copy]");
    if (!button) return;
    var code = document.getElementById(button.dataset.copy);
    var text = code.textContent;
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(function () { copied(button, true); }, fallback);
    } else {
      fallback();
    }
    function fallback() {
      var range = document.createRange();
      range.selectNodeContents(code);
      var selection = window.getSelection();
      selection.removeAllRanges();
      selection.addRange(range);
      var ok = false;
      try { ok = document.execCommand("copy"); } catch (err) { ok = false; }
      copied(button, ok);
    }
  });
})();
