"""`prilavok printer ...`: test print, status, and the printer simulator process."""
from __future__ import annotations

import logging
import sys
import threading

log = logging.getLogger(__name__)


def _open_db():
    from appliance.cli import _open_db as open_db

    return open_db()


def cmd_test(args) -> int:
    from appliance import printing
    from appliance.errors import InputError
    from appliance.settings import get as get_settings

    _open_db()
    try:
        job = printing.queue_test_label()
    except InputError as exc:
        print(exc.message, file=sys.stderr)
        return 1
    preview = get_settings().var_dir / job.preview_path
    print(f"Тестовая этикетка поставлена в очередь (задание №{job.id}, {job.language.upper()}, "
          f"принтер {job.printer_url}).")
    job = printing.wait_for(job.id, args.wait)
    if job.status == "printed":
        print(f"Напечатано: задание №{job.id} → {job.printer_url}")
        code = 0
    elif job.status == "queued" and job.last_error:
        print(f"Не напечатано, задание ждёт в очереди: {job.last_error}", file=sys.stderr)
        code = 1
    elif job.status == "failed":
        print(f"Не напечатано: {job.last_error}", file=sys.stderr)
        code = 1
    else:
        print(f"Задание №{job.id} ещё {job.status_label} — запущен ли процесс устройств (prilavok devices)?",
              file=sys.stderr)
        code = 1
    print(f"Превью: {preview}")
    return code


def cmd_status(args) -> int:
    from appliance import printing
    from appliance.clock import to_local

    _open_db()
    conf = printing.config()
    row = printing.printer_status()
    counts = printing.queue_counts()
    print(f"Принтер: {printing.target_url(conf)}, язык {conf['language'].upper()}, "
          f"этикетка {conf['width_mm']:g}×{conf['height_mm']:g} мм, {conf['dpi']} dpi")
    if row.down_since:
        print(f"Не печатает с {to_local(row.down_since):%d.%m.%Y %H:%M}: {row.reason}")
    elif row.last_ok_at:
        print(f"Последняя удачная печать: {to_local(row.last_ok_at):%d.%m.%Y %H:%M}")
    print(f"В очереди: {counts['queued']}, не напечатано: {counts['failed']}")
    return 0


def cmd_sim(args) -> int:
    """Run the simulated printer when [printer] url = sim; otherwise idle quietly, so the
    runtime (which restarts processes that exit) leaves it be."""
    from appliance import printing, settings
    from hardware.sim.printer_sim import PrinterSimulator

    conf = printing.config()
    stop = threading.Event()
    import signal

    signal.signal(signal.SIGTERM, lambda *a: stop.set())
    signal.signal(signal.SIGINT, lambda *a: stop.set())
    if conf["url"] != "sim":
        log.info("[printer] url is %s, not sim: the printer simulator is not needed", conf["url"])
        stop.wait()
        return 0
    port = args.port or conf["sim_port"]
    sim = PrinterSimulator(conf["sim_dir"], "127.0.0.1", port, use_pty=args.pty)
    try:
        sim.start()
    except OSError as exc:
        print(f"Симулятор принтера не запущен: порт {port} занят ({exc})", file=sys.stderr)
        return 2
    print(f"Симулятор принтера: tcp://127.0.0.1:{sim.port}"
          + (f", {sim.pty_path}" if sim.pty_path else "")
          + f"; задания в {sim.dir} (data dir {settings.get().var_dir})", flush=True)
    stop.wait()
    sim.stop()
    return 0


def register(sub) -> None:
    p = sub.add_parser("printer", help="принтер этикеток: пробная печать, состояние, симулятор")
    psub = p.add_subparsers(dest="printer_command", required=True, metavar="ДЕЙСТВИЕ")
    t = psub.add_parser("test", help="напечатать тестовую этикетку и дождаться результата")
    t.add_argument("--wait", type=float, default=20.0, help="сколько секунд ждать результата (20)")
    t.set_defaults(func=cmd_test)
    s = psub.add_parser("status", help="состояние принтера и очереди печати")
    s.set_defaults(func=cmd_status)
    m = psub.add_parser("sim", help="симулятор принтера (запускается `prilavok run`, когда url = sim)")
    m.add_argument("--port", type=int, help="TCP-порт (по умолчанию [printer] sim_port)")
    m.add_argument("--pty", action="store_true", help="ещё и псевдотерминал, как последовательный принтер")
    m.set_defaults(func=cmd_sim)
