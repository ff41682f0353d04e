"""`prilavok` — the appliance's command line. `prilavok --help` lists the commands."""
from __future__ import annotations

import argparse
import getpass
import importlib
import logging
import os
import sys
import time
from pathlib import Path

from appliance import settings

# Areas add their commands in their own module with register(subparsers). One line each.
COMMAND_MODULES: list[str] = [
    "appliance.cli.printer",
    "appliance.cli.suppliers",
    "appliance.cli.devices",
    "appliance.cli.exchange",
    "appliance.cli.workshop",
    "appliance.cli.ratings",
    "appliance.cli.loyalty",
    "appliance.cli.calls",
    "appliance.cli.payroll",
    "appliance.cli.analytics",
]


def _open_db(migrate: bool = True):
    from db import migrate as run_migrations
    from db import open_from_settings

    cfg = settings.get()
    db = open_from_settings(cfg)
    if migrate:
        run_migrations()
    return db


def cmd_init(args) -> int:
    from appliance import demo

    cfg = settings.get()
    if args.scale == "bench" or args.demo:
        db_path = cfg.db_path
        if db_path.exists() and not args.force:
            print(f"{db_path} уже существует; --force пересоздаст базу.", file=sys.stderr)
            return 1
        for suffix in ("", "-wal", "-shm"):
            Path(str(db_path) + suffix).unlink(missing_ok=True)
    _open_db()
    if args.scale == "bench":
        from appliance.demo import bench as reference

        reference.build_bench(progress=print)
    elif args.demo:
        demo.build_demo()
        print("Демо-данные созданы. Логины: owner / manager / mechanic, пароль demo.")
    print(f"База: {cfg.db_path}")
    return 0


def cmd_migrate(args) -> int:
    from db import migrate, open_from_settings

    open_from_settings(settings.get())
    applied = migrate(args.target)
    print("Применены миграции: " + ", ".join(applied) if applied else "Схема уже актуальна.")
    return 0


def cmd_createuser(args) -> int:
    from appliance import staff
    from appliance.errors import InputError

    _open_db()
    password = args.password or getpass.getpass("Пароль: ")
    try:
        user = staff.create_staff(args.username, args.name or args.username, args.role, password)
    except InputError as exc:
        print(exc.message, file=sys.stderr)
        return 1
    print(f"Создан пользователь {user.username} ({user.role_label}).")
    return 0


def cmd_backup(args) -> int:
    from appliance import backup

    _open_db(migrate=False)
    path = backup.make_backup(Path(args.dir) if args.dir else None)
    backup.rotate(Path(args.dir) if args.dir else None)
    print(path)
    return 0


def cmd_restore(args) -> int:
    from appliance import backup
    from appliance.errors import InputError

    try:
        kept = backup.restore(Path(args.file), unverified=args.unverified)
    except InputError as exc:
        print(exc.message, file=sys.stderr)
        return 1
    print(f"База восстановлена из {args.file}. Прежняя сохранена как {kept}. Перезапустите службы.")
    return 0


def cmd_serve(args) -> int:
    from appliance.cli import (
        processes,  # here, not at the top: it loads Flask and huey, the other commands need neither
    )

    if args.child_fd is not None:
        return processes.serve_child(args.child_fd, args.child_of)
    return processes.serve(port=args.port, announce=not args.no_announce)


def cmd_worker(args) -> int:
    from appliance.cli import processes  # as in cmd_serve

    return processes.worker()


def cmd_run(args) -> int:
    from appliance import runtime

    return runtime.run_all()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="prilavok", description="Прилавок — CRM магазина автозапчастей с автосервисом")
    parser.add_argument("-v", "--verbose", action="store_true", help="подробный журнал")
    sub = parser.add_subparsers(dest="command", required=True, metavar="КОМАНДА")

    p = sub.add_parser("init", help="создать базу (пустую, с демо-данными или эталонную для замеров)")
    p.add_argument("--demo", action="store_true", help="небольшой магазин с демо-данными")
    p.add_argument("--scale", choices=["bench"], help="эталонный набор «десять лет одного магазина»")
    p.add_argument("--force", action="store_true", help="пересоздать существующую базу")
    p.set_defaults(func=cmd_init)

    p = sub.add_parser("run", help="запустить всё: веб, фоновые задачи, устройства, объявление в сети")
    p.set_defaults(func=cmd_run)
    p = sub.add_parser("serve", help="только веб-интерфейс (waitress) и объявление zeroconf")
    p.add_argument("--port", type=int)
    p.add_argument("--no-announce", action="store_true")
    p.add_argument("--child-fd", type=int, help=argparse.SUPPRESS)  # a web process started by serve itself
    p.add_argument("--child-of", type=int, help=argparse.SUPPRESS)
    p.set_defaults(func=cmd_serve)
    p = sub.add_parser("worker", help="только фоновые задачи (huey)")
    p.set_defaults(func=cmd_worker)

    p = sub.add_parser("createuser", help="создать сотрудника")
    p.add_argument("username")
    p.add_argument("--name", help="ФИО")
    p.add_argument("--role", choices=["owner", "manager", "mechanic", "display"], default="manager")
    p.add_argument("--password", help="пароль (иначе спросит)")
    p.set_defaults(func=cmd_createuser)

    p = sub.add_parser("backup", help="резервная копия базы сейчас")
    p.add_argument("--dir", help="куда положить (по умолчанию var/backups)")
    p.set_defaults(func=cmd_backup)
    p = sub.add_parser("restore", help="восстановить базу из резервной копии (при остановленных службах)",
                       description="Копия проверяется по файлу контрольной суммы <копия>.sha256, который "
                                   "пишет prilavok backup; копия, не совпадающая с ним, не восстанавливается.")
    p.add_argument("file")
    p.add_argument("--unverified", action="store_true",
                   help="восстановить копию без файла .sha256 (сделанную старой версией или скопированную без "
                        "него): проверяется только целостность базы, а не то, что копию не меняли")
    p.set_defaults(func=cmd_restore)
    p = sub.add_parser("migrate", help="обновить схему базы до текущей версии")
    p.add_argument("--target", help="остановиться после этой миграции")
    p.set_defaults(func=cmd_migrate)

    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    # Logs, crontabs and "every night" in the shop's time; stored times stay UTC regardless.
    os.environ["TZ"] = settings.get().get("app", "timezone")
    time.tzset()
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    return args.func(args) or 0


if __name__ == "__main__":
    sys.exit(main())
