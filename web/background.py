"""A page's «Проверить сейчас»: the check runs in the worker (huey), the page polls its answer.

The button posts with htmx and gets a fragment: the answer when the task is done already
(huey's immediate mode in tests and development), else a line that asks again every two
seconds until the worker has answered. A plain form post gets the answer as a flash.
"""
from __future__ import annotations

import logging

from flask import flash, redirect, render_template, request, url_for
from huey.exceptions import TaskException

from jobs import huey

log = logging.getLogger(__name__)

POLL_SECONDS = 2
POLL_LIMIT = 150  # five minutes of asking; then the page says to look again later


def start(task, poll_endpoint: str, back_url: str, *, lock: str | None = None, busy: str = ""):
    """Enqueue ``task`` and answer the button: the fragment for htmx, a flash and redirect otherwise."""
    if lock and huey.is_locked(lock):
        return _answer("busy", busy, None, back_url)
    result = task()
    state, text = _state(result.id)
    return _answer(state, text, url_for(poll_endpoint, task_id=result.id, n=1), back_url)


def poll(task_id: str, poll_endpoint: str):
    """The fragment that replaces the polling line: the answer, or the same line asking again."""
    polls = request.args.get("n", 0, type=int)
    state, text = _state(task_id)
    if state == "running" and polls >= POLL_LIMIT:
        state, text = "late", "Проверка ещё не закончилась (работает ли фоновый обработчик?). Обновите страницу позже."
    return render_template("_check_now.html", state=state, text=text, seconds=POLL_SECONDS,
                           poll_url=url_for(poll_endpoint, task_id=task_id, n=polls + 1))


def _state(task_id: str) -> tuple[str, str]:
    try:
        answer = huey.result(task_id)
    except TaskException as exc:
        log.warning("background check %s failed: %s", task_id, exc.metadata.get("error"))
        return "failed", "Проверка не удалась: ошибка записана в журнал. Попробуйте ещё раз позже."
    if answer is None:
        return "running", "Проверка идёт…"
    return "done", str(answer)


def _answer(state: str, text: str, poll_url: str | None, back_url: str):
    if request.headers.get("HX-Request"):
        return render_template("_check_now.html", state=state, text=text, poll_url=poll_url, seconds=POLL_SECONDS)
    if state == "running":
        text = "Проверка запущена: ответ появится на странице через минуту, обновите её."
    flash(text, "error" if state in ("failed", "busy") else "success")
    return redirect(back_url)
