// The workshop: drag/click/resize on the bay grid, and the wall tablet's clock and link status.
// No libraries beyond htmx; pointer events work for a mouse at the counter and a finger on a tablet.
(function () {
  "use strict";

  function csrf() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.content : "";
  }
  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function hhmm(minuteOfDay) { return pad(Math.floor(minuteOfDay / 60)) + ":" + pad(minuteOfDay % 60); }

  function showMessage(text, kind) {
    var box = document.getElementById("schedule-msg");
    if (!box) return;
    box.innerHTML = "";
    if (!text) return;
    var div = document.createElement("div");
    div.className = kind === "ok" ? "flash" : "error";
    div.textContent = text;
    box.appendChild(div);
    clearTimeout(showMessage.timer);
    showMessage.timer = setTimeout(function () { box.innerHTML = ""; }, kind === "ok" ? 4000 : 9000);
  }

  function replaceGrid(html) {
    var old = document.getElementById("schedule-grid");
    if (!old) return;
    var holder = document.createElement("div");
    holder.innerHTML = html.trim();
    var fresh = holder.firstElementChild;
    old.replaceWith(fresh);
    if (window.htmx) window.htmx.process(fresh);
  }

  function reloadGrid() {
    var grid = document.getElementById("schedule-grid");
    if (!grid) return;
    fetch(grid.dataset.gridUrl, { headers: { "HX-Request": "true" }, credentials: "same-origin" })
      .then(function (r) { return r.text(); }).then(replaceGrid);
  }

  function openDialog(url) {
    window.htmx.ajax("GET", url, { target: "#ws-dialog-body", swap: "innerHTML" });
  }

  // --- the grid -----------------------------------------------------------------------
  var drag = null;

  function gridInfo(grid) {
    return { day: grid.dataset.day, opens: +grid.dataset.opens, minutes: +grid.dataset.minutes,
             slot: +grid.dataset.slot, ppm: +grid.dataset.ppm };
  }

  function columnAt(x, y) {
    var el = document.elementFromPoint(x, y);
    return el ? el.closest(".sg-col") : null;
  }

  function minuteAt(col, y, info, grabMinutes) {
    var rect = col.getBoundingClientRect();
    var raw = (y - rect.top) / info.ppm - (grabMinutes || 0);
    return Math.round(raw / info.slot) * info.slot;
  }

  document.addEventListener("pointerdown", function (e) {
    if (e.button !== 0) return;
    var grid = e.target.closest("#schedule-grid");
    var booking = e.target.closest(".booking-item");
    if (booking && !e.target.closest("button, a, form")) {
      drag = { mode: "booking", el: booking, x0: e.clientX, y0: e.clientY, moved: false };
      return;
    }
    if (!grid) return;
    var info = gridInfo(grid);
    var block = e.target.closest(".wo-block");
    if (block) {
      var top = +block.dataset.top, height = +block.dataset.height;
      var colRect = block.parentElement.getBoundingClientRect();
      drag = { mode: e.target.closest("[data-resize]") ? "resize" : "move", el: block, grid: grid, info: info,
               x0: e.clientX, y0: e.clientY, moved: false, top: top, height: height, col: block.parentElement,
               origCol: block.parentElement, grab: (e.clientY - colRect.top) / info.ppm - top,
               movable: block.dataset.movable === "1" };
      if (drag.movable) block.setPointerCapture(e.pointerId);
      e.preventDefault();
      return;
    }
    var col = e.target.closest(".sg-col");
    if (col) drag = { mode: "new", col: col, grid: grid, info: info, x0: e.clientX, y0: e.clientY, moved: false };
  });

  document.addEventListener("pointermove", function (e) {
    if (!drag) return;
    if (!drag.moved && Math.abs(e.clientX - drag.x0) + Math.abs(e.clientY - drag.y0) < 5) return;
    drag.moved = true;
    if (drag.mode === "booking") {
      if (!drag.ghost) {
        drag.ghost = document.createElement("div");
        drag.ghost.className = "booking-drag-ghost";
        drag.ghost.textContent = drag.el.querySelector("b").textContent;
        document.body.appendChild(drag.ghost);
        drag.el.classList.add("dragging");
      }
      drag.ghost.style.left = (e.clientX + 10) + "px";
      drag.ghost.style.top = (e.clientY + 10) + "px";
      return;
    }
    if (drag.mode === "new" || !drag.movable) return;
    var info = drag.info, el = drag.el;
    el.classList.add("dragging");
    if (drag.mode === "move") {
      var col = columnAt(e.clientX, e.clientY) || drag.col;
      if (col !== el.parentElement && col.closest("#schedule-grid") === drag.grid) col.appendChild(el);
      drag.col = el.parentElement;
      var top = Math.max(0, Math.min(info.minutes - drag.height, minuteAt(drag.col, e.clientY, info, drag.grab)));
      drag.newTop = top;
      el.style.top = (top * info.ppm) + "px";
    } else {
      var rect = drag.col.getBoundingClientRect();
      var bottom = Math.round(((e.clientY - rect.top) / info.ppm) / info.slot) * info.slot;
      bottom = Math.max(drag.top + info.slot, Math.min(info.minutes, bottom));
      drag.newHeight = bottom - drag.top;
      el.style.height = (drag.newHeight * info.ppm - 2) + "px";
    }
  });

  document.addEventListener("pointerup", function (e) {
    var d = drag;
    drag = null;
    if (!d) return;
    if (d.mode === "booking") {
      if (d.ghost) d.ghost.remove();
      d.el.classList.remove("dragging");
      if (!d.moved) return;
      var col = columnAt(e.clientX, e.clientY);
      var grid = col && col.closest("#schedule-grid");
      if (!grid) return;
      var info = gridInfo(grid);
      var minute = Math.max(0, Math.min(info.minutes - info.slot, minuteAt(col, e.clientY, info)));
      openDialog(grid.dataset.newUrl + "?booking_id=" + d.el.dataset.booking + "&bay=" + col.dataset.bay +
                 "&date=" + info.day + "&start=" + hhmm(info.opens + minute));
      return;
    }
    if (d.mode === "new") {
      if (d.moved || e.target.closest(".wo-block")) return;
      var m = Math.floor(((e.clientY - d.col.getBoundingClientRect().top) / d.info.ppm) / d.info.slot) * d.info.slot;
      m = Math.max(0, Math.min(d.info.minutes - d.info.slot, m));
      openDialog(d.grid.dataset.newUrl + "?bay=" + d.col.dataset.bay + "&date=" + d.info.day +
                 "&start=" + hhmm(d.info.opens + m));
      return;
    }
    if (!d.moved) {
      window.location = d.el.dataset.url;
      return;
    }
    if (!d.movable) return;
    var top = d.mode === "move" ? (d.newTop === undefined ? d.top : d.newTop) : d.top;
    var height = d.mode === "resize" ? (d.newHeight || d.height) : d.height;
    var body = new URLSearchParams();
    body.set("date", d.info.day);
    body.set("bay", d.col.dataset.bay);
    body.set("start", hhmm(d.info.opens + top));
    body.set("end", hhmm(d.info.opens + top + height));
    fetch(d.el.dataset.moveUrl, {
      method: "POST", body: body, credentials: "same-origin",
      headers: { "X-CSRFToken": csrf(), "HX-Request": "true" }
    }).then(function (r) {
      if (r.ok) {
        return r.text().then(function (html) {
          replaceGrid(html);
          showMessage("Перенесено: " + d.col.dataset.bayName + ", " + body.get("start") + "–" + body.get("end") + ".", "ok");
        });
      }
      return r.json().catch(function () { return { error: "Не удалось перенести (ошибка " + r.status + ")." }; })
        .then(function (data) { showMessage(data.error || "Не удалось перенести."); reloadGrid(); });
    }).catch(function () {
      showMessage("Нет связи с сервером: перенос не сохранён.");
      reloadGrid();
    });
  });

  document.addEventListener("pointercancel", function () {
    if (drag && drag.ghost) drag.ghost.remove();
    if (drag && drag.el) drag.el.classList.remove("dragging");
    drag = null;
    reloadGrid();
  });

  // --- dialogs ------------------------------------------------------------------------
  document.addEventListener("htmx:afterSwap", function (e) {
    var dlg = e.target.closest && e.target.closest("dialog");
    if (!dlg || dlg.open) return;  // a swap inside an open dialog must not steal the focus
    dlg.showModal();
    var focus = dlg.querySelector("[autofocus]");
    if (focus) focus.focus();
  });
  document.addEventListener("htmx:beforeSwap", function (e) {
    // A refused form (422) is shown with its message, not dropped.
    if (e.detail.xhr.status === 422 && e.detail.target.closest && e.detail.target.closest("dialog")) {
      e.detail.shouldSwap = true;
      e.detail.isError = false;
    }
  });
  document.addEventListener("click", function (e) {
    var closer = e.target.closest("[data-close-dialog]");
    if (closer) closer.closest("dialog").close();
  });
  document.body.addEventListener("workshop-saved", function (e) {
    var dlg = document.getElementById("ws-dialog");
    if (dlg && dlg.open) dlg.close();
    showMessage(e.detail.value || "Сохранено.", "ok");
  });

  var highlighted = document.querySelector(".booking-item.highlight");
  if (highlighted) highlighted.scrollIntoView({ block: "center" });

  // --- the wall tablet ----------------------------------------------------------------
  if (!document.body.classList.contains("board-page")) return;
  if (window.htmx) window.htmx.config.timeout = 8000;
  var clock = document.getElementById("board-clock");
  var updated = document.getElementById("board-updated");
  var banner = document.getElementById("offline-text");
  var tz = document.body.dataset.tz || undefined;
  // The box's clock, not the tablet's: a wall tablet without internet drifts.
  var offset = document.body.dataset.nowMs ? +document.body.dataset.nowMs - Date.now() : 0;
  function shopTime(seconds) {
    var opts = { timeZone: tz, hour: "2-digit", minute: "2-digit" };
    if (seconds) opts.second = "2-digit";
    try { return new Date(Date.now() + offset).toLocaleTimeString("ru-RU", opts); }
    catch (err) { var d = new Date(Date.now() + offset); return pad(d.getHours()) + ":" + pad(d.getMinutes()); }
  }
  function tick() { if (clock) clock.textContent = shopTime(false); }
  tick();
  setInterval(tick, 1000);

  var failures = 0;
  function offline(text) {
    failures += 1;
    if (failures < 2 && text === undefined) return;  // one lost poll is a blip, not an outage
    if (banner) banner.textContent = text || "Нет связи с сервером — показано расписание на " + (updated ? updated.dataset.at || "" : "");
    document.body.classList.add("offline");
  }
  function online(xhr) {
    failures = 0;
    document.body.classList.remove("offline");
    var shop = xhr && xhr.getResponseHeader("X-Shop-Time");
    if (shop && !isNaN(+shop)) offset = +shop - Date.now();
    if (updated) {
      updated.dataset.at = shopTime(false);
      updated.textContent = "обновлено " + shopTime(true);
    }
  }
  document.body.addEventListener("htmx:sendError", function () { offline(); });
  document.body.addEventListener("htmx:timeout", function () { offline(); });
  document.body.addEventListener("htmx:responseError", function (e) {
    if (e.detail.xhr.status === 422) return;
    offline(e.detail.xhr.status === 401 || e.detail.xhr.status === 403 ? "Доступ табло отозван — нужна новая ссылка от владельца" : undefined);
  });
  document.body.addEventListener("htmx:beforeSwap", function (e) {
    var xhr = e.detail.xhr;
    if (e.detail.target.id !== "board" || xhr.status !== 200) return;
    if (xhr.responseText.indexOf('id="board"') < 0) {
      e.detail.shouldSwap = false;  // e.g. the login page after the token was revoked
      offline("Доступ табло отозван — нужна новая ссылка от владельца");
      return;
    }
    // A slow answer overtaken by a newer one must not put old news back on the wall.
    var match = /data-rendered="(\d+)"/.exec(xhr.responseText);
    var shown = document.getElementById("board");
    // (Only a few seconds back: a box restarted or its clock set back must not freeze the board.)
    var behind = match && shown ? +(shown.dataset.rendered || 0) - +match[1] : 0;
    if (behind > 0 && behind < 10000000) e.detail.shouldSwap = false;
  });
  document.body.addEventListener("htmx:afterRequest", function (e) {
    var xhr = e.detail.xhr;
    if (e.detail.successful && xhr && (xhr.status === 204 || xhr.responseText.indexOf("<!doctype") < 0)) online(xhr);
  });
  online();
})();
