// Parts orders: add a line row, check all, drag a board card to another column (htmx post).
(function () {
  document.addEventListener("click", function (e) {
    var add = e.target.closest("[data-add-line]");
    if (!add) return;
    var body = document.querySelector("#lines tbody"), rows = body.querySelectorAll("tr.line-row");
    var count = document.getElementById("line-count"), i = parseInt(count.value, 10);
    var copy = rows[rows.length - 1].cloneNode(true);
    copy.querySelectorAll("input, select").forEach(function (el) {
      el.name = el.name.replace(/-\d+$/, "-" + i);
      if (el.type === "checkbox") { el.checked = true; } else if (el.name.indexOf("qty-") === 0) { el.value = "1"; } else { el.value = ""; }
    });
    copy.querySelectorAll(".invalid").forEach(function (td) { td.classList.remove("invalid"); });
    body.appendChild(copy);
    count.value = i + 1;
    copy.querySelector("input").focus();
  });
  document.addEventListener("change", function (e) {
    if (!e.target.matches("[data-check-all]")) return;
    e.target.closest("table").querySelectorAll("tbody input[type=checkbox]").forEach(function (box) { box.checked = e.target.checked; });
  });
  var dragged = null;
  document.addEventListener("dragstart", function (e) {
    var card = e.target.closest && e.target.closest(".board-card");
    if (card) { dragged = card.dataset.order; e.dataTransfer.setData("text/plain", dragged); }
  });
  document.addEventListener("dragover", function (e) {
    var col = e.target.closest && e.target.closest(".board-col");
    if (col && dragged) { e.preventDefault(); col.classList.add("drop"); }
  });
  document.addEventListener("dragleave", function (e) {
    var col = e.target.closest && e.target.closest(".board-col");
    if (col) col.classList.remove("drop");
  });
  document.addEventListener("drop", function (e) {
    var col = e.target.closest && e.target.closest(".board-col");
    if (!col || !dragged) return;
    e.preventDefault();
    col.classList.remove("drop");
    htmx.ajax("POST", "/orders/" + dragged + "/move", {target: "#board", swap: "innerHTML", values: {to: col.dataset.status, from: "board"}});
    dragged = null;
  });
})();
