// Keyboard first: "/" focuses the search box, Esc leaves a field, a scanner's Enter submits.
(function () {
  document.addEventListener("keydown", function (e) {
    var t = e.target, typing = t && (t.tagName === "INPUT" || t.tagName === "TEXTAREA" || t.tagName === "SELECT" || t.isContentEditable);
    if (e.key === "/" && !typing) {
      var box = document.getElementById("customer-search") || document.getElementById("global-search");
      if (box) { e.preventDefault(); box.focus(); box.select(); }
    } else if (e.key === "Escape" && typing) {
      t.blur();
    }
  });
  document.addEventListener("click", function (e) {
    var add = e.target.closest("[data-add-phone]");
    if (!add) return;
    var rows = add.parentElement.querySelectorAll(".phone-row");
    var copy = rows[rows.length - 1].cloneNode(true);
    copy.classList.remove("invalid");
    copy.querySelector("input").value = "";
    copy.querySelector("input").removeAttribute("hx-get");
    rows[rows.length - 1].after(copy);
    copy.querySelector("input").focus();
  });
  // Enter in the big customer search opens the first hit (a scanner types and presses Enter).
  document.addEventListener("keydown", function (e) {
    if (e.key !== "Enter" || !e.target || e.target.id !== "customer-search") return;
    e.preventDefault();
    window.location = "/search?go=1&q=" + encodeURIComponent(e.target.value);
  });
})();
// A failed htmx action (a 500, or 503 "no space on disk") leaves the form as typed and shows why.
document.addEventListener("htmx:responseError", function (e) {
  var xhr = e.detail.xhr;
  if (!xhr || !xhr.getResponseHeader("X-Error-Id")) return;
  var main = document.querySelector("main");
  if (!main) return;
  var old = document.getElementById("fault-banner");
  if (old) old.remove();
  var box = document.createElement("div");
  box.innerHTML = xhr.responseText;  // our own escaped fragment (web/templates/_fault.html)
  var banner = box.querySelector("#fault-banner");
  if (banner) main.prepend(banner);
});
