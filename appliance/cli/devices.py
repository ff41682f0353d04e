"""`prilavok devices`, `prilavok modem check`, `prilavok sms send|inbox`."""
from __future__ import annotations

import sys
import time

from appliance import settings


def _open_db():
    from appliance.cli import _open_db as open_db

    return open_db()


def cmd_devices(args) -> int:
    from appliance import device_process as devices

    return devices.main()


def _print_info(info: dict) -> None:
    from hardware.modem import REG_TEXT_RU

    rows = [
        ("Модем", " ".join(x for x in (info.get("manufacturer"), info.get("model")) if x) or "—"),
        ("Прошивка", info.get("revision") or "—"),
        ("IMEI", info.get("imei") or "—"),
        ("SIM-карта", {"READY": "готова", "SIM PIN": "нужен PIN-код", "SIM PUK": "заблокирована (PUK)",
                       "NOT INSERTED": "не вставлена"}.get(info.get("sim"), info.get("sim") or "—")),
        ("Сеть", REG_TEXT_RU.get(info.get("registration"), "—")),
        ("Оператор", info.get("operator") or "—"),
        ("Сигнал", f"{info['dbm']} дБм ({info['rssi']}/31)" if info.get("rssi") is not None else "нет сигнала"),
    ]
    if info.get("storage"):
        rows.append(("Память SIM", f"{info['storage'][0]} из {info['storage'][1]} SMS"))
    for label, value in rows:
        print(f"{label + ':':<12} {value}")


def cmd_modem_check(args) -> int:
    from appliance.device_process import modem_settings, start_simulator
    from hardware.modem import Modem
    from hardware.modem.errors import ModemError

    cfg = settings.get()
    port = args.port or cfg.get("modem", "port")
    sim = None
    if port == "sim":
        sim = start_simulator(cfg, "modem-sim-check.tty")  # not the running devices process's one
        port = sim.port
        print("Порт: симулятор модема (настройка [modem] port = sim)")
    else:
        print(f"Порт: {port}")
    modem = Modem(port, cfg.getint("modem", "baudrate"), **modem_settings(cfg)["modem_kwargs"])
    try:
        modem.open()
        modem.init()
        _print_info(modem.check())
        return 0
    except ModemError as exc:
        print(f"Модем не готов: {exc.reason_ru}" + (f" ({exc.detail})" if exc.detail else ""), file=sys.stderr)
        if "открыть" in exc.reason_ru:
            _open_db()
            from db.models.sms import ModemStatus

            row = ModemStatus.get_or_none(ModemStatus.id == 1)
            if row and row.checked_at:
                print("Порт, вероятно, занят процессом devices. Последнее, что он видел:", file=sys.stderr)
                print(f"  {row.model}, {row.operator}, сигнал {row.signal_dbm} дБм, "
                      f"{'на связи' if row.up else 'нет связи: ' + row.last_error}", file=sys.stderr)
        return 1
    finally:
        modem.close()
        if sim is not None:
            sim.unplug()


FINAL = ("sent", "delivered", "failed", "uncertain")


def cmd_sms_send(args) -> int:
    from appliance import sms, status
    from appliance.clock import utcnow
    from appliance.errors import InputError
    from db import write_transaction
    from db.models.sms import SmsMessage

    _open_db()
    try:
        with write_transaction():
            msg = sms.queue_sms(phone=args.to, text=args.text)
    except InputError as exc:
        print(exc.message, file=sys.stderr)
        return 2
    print(f"SMS №{msg.id} в очереди: {msg.parts_total} ч., {sms.counter(msg.text)['alphabet']}")
    beat = status.last_beat("devices")
    if beat is None or (utcnow() - beat).total_seconds() > 60:
        print("Процесс devices не запущен (prilavok devices / prilavok run): SMS уйдёт, когда он запустится.")
        if not args.wait:
            return 0
    deadline = time.monotonic() + args.wait
    wanted = ("delivered", "failed", "uncertain") if args.until_delivered else FINAL
    while time.monotonic() < deadline:
        msg = SmsMessage.get_by_id(msg.id)
        if msg.status in wanted:
            break
        time.sleep(0.5)
    msg = SmsMessage.get_by_id(msg.id)
    print(f"Статус: {msg.status_label}" + (f" — {msg.last_error}" if msg.last_error else ""))
    return 0 if msg.status in ("sent", "delivered") else 1


def cmd_sms_inbox(args) -> int:
    from appliance import phones
    from appliance.clock import to_local
    from db.models.sms import SmsMessage

    _open_db()
    rows = (SmsMessage.select().where(SmsMessage.direction == "in")
            .order_by(SmsMessage.received_at.desc(), SmsMessage.id.desc()).limit(args.limit))
    count = 0
    for m in rows:
        who = phones.display(m.phone) if m.phone.startswith("+") else m.phone
        name = f" ({m.customer.name})" if m.customer_id else ""
        print(f"{to_local(m.received_at):%d.%m.%Y %H:%M}  {who}{name}\n    {m.text}")
        count += 1
    if not count:
        print("Входящих SMS нет.")
    return 0


def register(sub) -> None:
    p = sub.add_parser("devices", help="процесс устройств: GSM-модем (SMS, звонки), принтер этикеток")
    p.set_defaults(func=cmd_devices)

    p = sub.add_parser("modem", help="GSM-модем")
    msub = p.add_subparsers(dest="modem_command", required=True, metavar="ДЕЙСТВИЕ")
    c = msub.add_parser("check", help="модель, IMEI, SIM-карта, оператор, сигнал")
    c.add_argument("--port", help="порт вместо [modem] port (например /dev/ttyUSB2)")
    c.set_defaults(func=cmd_modem_check)

    p = sub.add_parser("sms", help="SMS через модем магазина")
    ssub = p.add_subparsers(dest="sms_command", required=True, metavar="ДЕЙСТВИЕ")
    s = ssub.add_parser("send", help="поставить SMS в очередь и дождаться результата")
    s.add_argument("--to", required=True, help="номер телефона")
    s.add_argument("--text", required=True, help="текст")
    s.add_argument("--wait", type=float, default=120, help="сколько секунд ждать результата (0 — не ждать)")
    s.add_argument("--until-delivered", action="store_true", help="ждать отчёта о доставке, а не только отправки")
    s.set_defaults(func=cmd_sms_send)
    s = ssub.add_parser("inbox", help="входящие SMS")
    s.add_argument("--limit", type=int, default=20)
    s.set_defaults(func=cmd_sms_inbox)
