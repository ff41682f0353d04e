"""1C's standard site exchange protocol ("Обмен с сайтом"), server side.

1C:Управление торговлей / Розница / Комплексная автоматизация talk to a web shop with
plain HTTP requests to one URL, here ``/1c_exchange``::

    GET  ?type=catalog&mode=checkauth          -> "success\\n<cookie name>\\n<cookie value>\\n..."
    GET  ?type=catalog&mode=init               -> "zip=yes\\nfile_limit=<bytes>\\n"
    POST ?type=catalog&mode=file&filename=F    -> "success\\n"   (body: a piece of F; repeated)
    GET  ?type=catalog&mode=import&filename=F  -> "progress\\n..." until "success\\n" / "failure\\n<why>"
    GET  ?type=sale&mode=query                 -> CommerceML with the site's orders (none here)
    GET  ?type=sale&mode=success               -> "success\\n"
    POST ?type=sale&mode=file&filename=F       -> documents from 1C, imported when complete

Every request carries HTTP basic auth; after checkauth, 1C also sends the cookie. With
``zip=yes`` 1C sends one archive (any name ending .zip) and then calls ``import`` for each
XML inside. Files bigger than ``file_limit`` arrive as several ``file`` requests that are
appended. A long import answers ``progress`` and keeps going in a thread; 1C repeats the
``import`` request until ``success`` or ``failure``. Answers are exactly these words on the
first line, as 1C compares them literally.

This module is framework-free: the blueprint in ``web/exchange.py`` turns a Flask request
into ``ExchangeRequest`` and the ``Reply`` back into a response.
"""
from __future__ import annotations

import hmac
import logging
import re
import secrets
import shutil
import threading
import time
import zipfile
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path, PurePosixPath
from typing import IO

from peewee import OperationalError

from appliance import clock, settings
from appliance.exchange import importer, originals, progress
from db.models.exchange import ExchangeSession, ExchangeState, ImportLog

log = logging.getLogger(__name__)

COOKIE_NAME = "prilavok_1c"
SESSION_TTL = timedelta(hours=24)
# Real 1C exports deflate 8-30x (import.xml ~5 KB and offers.xml ~1.5 KB per item); the
# ratio of a whole archive is judged only above this size, a small file of blanks is harmless.
RATIO_FROM_BYTES = 32 * 1024 ** 2

_THREADS: dict[int, threading.Thread] = {}


@dataclass
class ExchangeRequest:
    method: str
    params: dict[str, str]
    body: IO[bytes] | None = None
    username: str | None = None
    password: str | None = None
    cookie: str | None = None
    remote_addr: str = ""


@dataclass
class Reply:
    text: str
    status: int = 200
    content_type: str = "text/plain; charset=utf-8"
    cookies: dict[str, str] = field(default_factory=dict)

    @classmethod
    def failure(cls, reason: str) -> Reply:
        return cls(f"failure\n{reason}\n")


def _cfg():
    return settings.get()


def sessions_dir() -> Path:
    return originals.exchange_dir() / "http"


def _credentials_ok(username: str | None, password: str | None) -> bool:
    cfg = _cfg()
    want_user = cfg.get("exchange", "login") or ""
    want_pass = cfg.get("exchange", "password") or ""
    if not want_pass or username is None or password is None:
        return False
    user_ok = hmac.compare_digest(username.encode(), want_user.encode())
    pass_ok = hmac.compare_digest(password.encode(), want_pass.encode())
    return user_ok and pass_ok


def safe_name(filename: str) -> PurePosixPath | None:
    """A relative path inside the session folder, or None for anything that escapes it."""
    name = (filename or "").replace("\\", "/").strip()
    path = PurePosixPath(name)
    if not name or path.is_absolute() or any(part in ("..", "") for part in path.parts):
        return None
    if not all(re.fullmatch(r"[\w.\-#@ ]+", part) for part in path.parts):
        return None
    return path


class Exchange:
    """The state machine; one instance per request is fine, state lives in the database."""

    def handle(self, req: ExchangeRequest) -> Reply:
        exchange_type = req.params.get("type", "")
        mode = req.params.get("mode", "")
        if exchange_type not in ("catalog", "sale", "get_catalog"):
            return Reply.failure(f"Неизвестный тип обмена type={exchange_type!r}")
        if mode == "checkauth":
            return self.checkauth(req, exchange_type)
        session = self._session(req)
        if session is None:
            return Reply.failure("Нет авторизации: начните обмен с mode=checkauth (проверьте логин и пароль)")
        try:
            ExchangeSession.update(last_seen_at=clock.utcnow()).where(ExchangeSession.id == session.id).execute()
        except OperationalError:
            pass  # a long import holds the write lock; the session stays valid without the touch
        handler = {
            "init": self.init,
            "file": self.file,
            "import": self.import_,
            "query": self.query,
            "success": self.success,
            "complete": self.success,
            "deactivate": self.success,
        }.get(mode)
        if handler is None:
            return Reply.failure(f"Неизвестная команда mode={mode!r}")
        return handler(req, session, exchange_type)

    # -- modes

    def checkauth(self, req: ExchangeRequest, exchange_type: str) -> Reply:
        if not _credentials_ok(req.username, req.password):
            log.warning("1c exchange: refused credentials for %r from %s", req.username, req.remote_addr)
            return Reply.failure("Неверный логин или пароль обмена (настройки [exchange] login/password)")
        self._cleanup()
        cookie = secrets.token_hex(16)
        now = clock.utcnow()
        ExchangeSession.create(cookie=cookie, exchange_type=exchange_type, created_at=now, last_seen_at=now,
                               remote_addr=req.remote_addr[:64])
        return Reply(f"success\n{COOKIE_NAME}\n{cookie}\nsessid={cookie}\ntimestamp={int(time.time())}\n",
                     cookies={COOKIE_NAME: cookie})

    def init(self, req: ExchangeRequest, session: ExchangeSession, exchange_type: str) -> Reply:
        folder = self._folder(session)
        if folder.exists():
            _abandon(folder, "1С начала обмен заново")
        ExchangeState.delete().where(ExchangeState.session == session.id).execute()
        folder.mkdir(parents=True, exist_ok=True)
        zip_ok = "yes" if _cfg().getbool("exchange", "zip") else "no"
        text = f"zip={zip_ok}\nfile_limit={_cfg().getint('exchange', 'file_limit')}\n"
        if req.params.get("version"):
            text += f"sessid={session.cookie}\nversion=2.08\n"
        return Reply(text)

    def file(self, req: ExchangeRequest, session: ExchangeSession, exchange_type: str) -> Reply:
        name = safe_name(req.params.get("filename", ""))
        if name is None:
            return _refuse_name(req.params.get("filename", ""))
        if req.body is None:
            return Reply.failure("Пустой запрос: нет содержимого файла")
        folder = self._folder(session)
        dest = folder / Path(*name.parts)
        dest.parent.mkdir(parents=True, exist_ok=True)
        limit = _cfg().getint("exchange", "file_limit")
        written = 0
        with open(dest, "ab") as fh:
            while True:
                chunk = req.body.read(1 << 20)
                if not chunk:
                    break
                written += len(chunk)
                if written > limit * 1.05 + 65536:
                    fh.close()
                    dest.unlink(missing_ok=True)
                    return _refuse(str(name), f"Файл {name}: часть файла больше file_limit={limit} байт")
                fh.write(chunk)
        log.info("1c exchange: %s +%d bytes (%s)", name, written, exchange_type)
        if exchange_type == "sale":
            # 1C cuts a big file into pieces of exactly file_limit: a shorter piece is the last one.
            return self._sale_file(session, dest, name, last_piece=written < limit)
        return Reply("success\n")

    def import_(self, req: ExchangeRequest, session: ExchangeSession, exchange_type: str) -> Reply:
        name = safe_name(req.params.get("filename", ""))
        if name is None:
            return _refuse_name(req.params.get("filename", ""))
        folder = self._folder(session)
        refused = _unzip_all(folder)
        if refused:
            return refused
        path = folder / Path(*name.parts)
        state = ExchangeState.get_or_none((ExchangeState.session == session.id)
                                          & (ExchangeState.filename == str(name)))
        if state is None or state.import_log_id is None:
            if path.suffix.lower() != ".xml":
                path.unlink(missing_ok=True)  # pictures and the like: nothing to import
                _remove_if_done(folder)
                return Reply("success\n")
            if not path.exists():
                return _refuse(str(name), f"Файл {name} не был передан (mode=file) до mode=import")
            def remember(entry):
                ExchangeState.create(session=session.id, filename=str(name), import_log=entry.id,
                                     started_at=clock.utcnow())

            entry, thread = importer.run_in_background(path, before_start=remember, source="http",
                                                       filename=str(name), move=True)
            _THREADS[entry.id] = thread
            return self._wait(entry.id, thread, folder)
        return self._wait(state.import_log_id, _THREADS.get(state.import_log_id), folder)

    def query(self, req: ExchangeRequest, session: ExchangeSession, exchange_type: str) -> Reply:
        """The site's orders for 1C: Prilavok takes orders at the counter, so there are none."""
        stamp = clock.local_now().strftime("%Y-%m-%dT%H:%M:%S")
        xml = ('<?xml version="1.0" encoding="UTF-8"?>\n'
               f'<КоммерческаяИнформация xmlns="urn:1C.ru:commerceml_2" ВерсияСхемы="2.08" '
               f'ДатаФормирования="{stamp}">\n</КоммерческаяИнформация>\n')
        return Reply(xml, content_type="application/xml; charset=utf-8")

    def success(self, req: ExchangeRequest, session: ExchangeSession, exchange_type: str) -> Reply:
        if req.params.get("mode") in ("complete", "deactivate"):
            _remove_if_done(self._folder(session))
        return Reply("success\n")

    # -- helpers

    def _session(self, req: ExchangeRequest) -> ExchangeSession | None:
        if req.cookie:
            session = ExchangeSession.get_or_none(ExchangeSession.cookie == req.cookie)
            if session is not None and session.last_seen_at >= clock.utcnow() - SESSION_TTL:
                if req.username is None or _credentials_ok(req.username, req.password):
                    return session
        return None

    def _folder(self, session: ExchangeSession) -> Path:
        return sessions_dir() / session.cookie

    def _cleanup(self) -> None:
        """Expired sessions lose their folder (what 1C left unimported gets a log row), old rows go."""
        now = clock.utcnow()
        live = {s.cookie for s in ExchangeSession.select(ExchangeSession.cookie)
                .where(ExchangeSession.last_seen_at >= now - SESSION_TTL)}
        if sessions_dir().is_dir():
            for folder in sessions_dir().iterdir():
                if folder.is_dir() and folder.name not in live:
                    _abandon(folder, "обмен не был завершён")
        for session in ExchangeSession.select().where(ExchangeSession.last_seen_at < now - timedelta(days=2)):
            session.delete_instance(recursive=True)

    def _wait(self, log_id: int, thread: threading.Thread | None, folder: Path) -> Reply:
        step = _cfg().getfloat("exchange", "import_step_seconds")
        if thread is not None:
            thread.join(timeout=max(step, 0))
        elif progress.running_in_another_process(log_id):
            # The import runs in another web process: wait here as long as we would for our own.
            deadline = time.monotonic() + max(step, 0)
            while time.monotonic() < deadline and ImportLog.get_by_id(log_id).status == "running" \
                    and progress.running_in_another_process(log_id):
                time.sleep(0.5)
        entry = ImportLog.get_by_id(log_id)
        if entry.status == "running":
            if importer.fail_interrupted(entry):
                return Reply.failure(entry.error)
            done, total = progress.progress_of(entry)
            percent = int(done * 100 / total) if total else 0
            return Reply(f"progress\nЗагрузка {entry.filename}: {percent}%\n")
        _THREADS.pop(log_id, None)
        _remove_if_done(folder)
        if entry.status == "failed":
            return Reply.failure(entry.error.replace("\n", " "))
        return Reply(f"success\nЗагружено: создано {entry.created}, обновлено {entry.updated}, "
                     f"без изменений {entry.skipped}\n")

    def _sale_file(self, session: ExchangeSession, dest: Path, name: PurePosixPath, last_piece: bool) -> Reply:
        """Documents from 1C: imported as soon as the file is complete (1C sends no import).

        Complete means a whole zip or a closed XML document, or the last piece however it
        ends: a cut document is imported then and refused with the reason, never left waiting.
        """
        folder = self._folder(session)
        if dest.suffix.lower() == ".zip":
            if not zipfile.is_zipfile(dest):
                if not last_piece:
                    return Reply("success\n")  # more pieces to come
                dest.unlink()
                return _refuse(str(name), f"Архив {name} пришёл не целиком (обрыв передачи?)")
            refused = _unzip_all(folder)
            if refused:
                return refused
            paths = sorted(folder.rglob("*.xml"))
        else:
            if not last_piece and not _closed_document(dest):
                return Reply("success\n")  # more pieces to come
            paths = [dest]
        errors = []
        for path in paths:
            entry = importer.import_file(path, source="http", filename=str(path.relative_to(folder)), move=True)
            if entry.status == "failed":
                errors.append(entry.error.replace("\n", " "))
        _remove_if_done(folder)
        return Reply.failure("; ".join(errors)) if errors else Reply("success\n")


def _refuse(filename: str, reason: str) -> Reply:
    """Answer 1C `failure` and leave the refusal on «Обмен с 1С» (1C's own log is rarely read)."""
    importer.log_refusal(filename or "(без имени)", "http", reason)
    return Reply.failure(reason)


def _refuse_name(filename: str) -> Reply:
    return _refuse(filename, f"Недопустимое имя файла {filename!r}: путь выходит за папку обмена")


def _closed_document(path: Path) -> bool:
    with open(path, "rb") as fh:
        fh.seek(max(0, path.stat().st_size - 256))
        tail = fh.read().rstrip()
    return tail.endswith("КоммерческаяИнформация>".encode()) or tail.endswith("КоммерческаяИнформация>".encode("cp1251"))


def _zip_limits() -> tuple[int, float]:
    cfg = _cfg()
    return cfg.getint("exchange", "max_unzipped_mb") * 1024 ** 2, cfg.getfloat("exchange", "max_zip_ratio")


def zip_problem(archive: Path, folder: Path) -> str | None:
    """Why this archive must not be unpacked, judged from its directory before a byte is written."""
    max_total, max_ratio = _zip_limits()
    try:
        with zipfile.ZipFile(archive) as zf:
            members = [info for info in zf.infolist() if not info.is_dir()]
    except zipfile.BadZipFile as exc:
        return f"это не zip-архив или он повреждён ({exc})"
    for info in members:
        if safe_name(info.filename) is None:
            return f"недопустимое имя внутри архива: {info.filename!r}"
    total = sum(info.file_size for info in members)
    size = archive.stat().st_size or 1
    if total > max_total:
        return (f"архив распаковывается в {total // 1024 ** 2} МБ, больше предела {max_total // 1024 ** 2} МБ "
                f"([exchange] max_unzipped_mb)")
    if total > RATIO_FROM_BYTES and total / size > max_ratio:
        return (f"архив сжат в {total / size:.0f} раз ({size // 1024} КБ -> {total // 1024 ** 2} МБ), так не сжимаются "
                f"выгрузки 1С: похоже на zip-бомбу ([exchange] max_zip_ratio = {max_ratio:g})")
    free = shutil.disk_usage(folder).free
    if total > free:
        return f"на диске нет места для распаковки: нужно {total // 1024 ** 2} МБ, свободно {free // 1024 ** 2} МБ"
    return None


def _unzip_all(folder: Path) -> Reply | None:
    """Unpack every archive 1C sent into the session folder, or refuse (and clear the folder)."""
    for archive in sorted(folder.glob("*.zip")):
        problem = zip_problem(archive, folder)
        if problem is None:
            try:
                _extract(archive, folder)
            except (zipfile.BadZipFile, OSError, ValueError) as exc:
                problem = f"архив не распаковался ({exc})"
        if problem:
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir(parents=True, exist_ok=True)
            return _refuse(archive.name, f"Архив {archive.name} от 1С не распакован: {problem}")
        archive.unlink()
    return None


def _extract(archive: Path, folder: Path) -> None:
    with zipfile.ZipFile(archive) as zf:
        for info in zf.infolist():
            if info.is_dir():
                continue
            dest = folder / Path(*safe_name(info.filename).parts)
            dest.parent.mkdir(parents=True, exist_ok=True)
            with zf.open(info) as src, open(dest, "wb") as out:  # zipfile stops at the declared size
                shutil.copyfileobj(src, out, 1 << 20)


def _remove_if_done(folder: Path) -> None:
    """A session folder with nothing left to import goes (pictures 1C sent along included)."""
    if folder.is_dir() and not any(p.suffix.lower() in (".xml", ".zip") for p in folder.rglob("*") if p.is_file()):
        shutil.rmtree(folder, ignore_errors=True)


def _abandon(folder: Path, why: str) -> None:
    """Remove a session folder; a document 1C sent but never had imported is logged as refused."""
    for path in sorted(folder.rglob("*")):
        if path.is_file() and path.suffix.lower() in (".xml", ".zip"):
            _refuse(str(path.relative_to(folder)), f"Файл {path.relative_to(folder)} получен от 1С, но не загружен: {why}")
    shutil.rmtree(folder, ignore_errors=True)
