"""One INI file plus PRILAVOK_<SECTION>_<KEY> environment overrides.

The file is `$PRILAVOK_CONFIG`, else `/etc/prilavok/prilavok.ini` when it exists (the box),
else `./var/prilavok.ini` (development). Every key has an embedded default below, so a
missing file means "demo mode, simulated devices, port 8080, data under ./var".
"""
from __future__ import annotations

import configparser
import dataclasses
import os
from functools import cached_property
from pathlib import Path
from zoneinfo import ZoneInfo

DEFAULT_SECRET = "change-me-demo-secret"
MIN_SECRET_LENGTH = 32  # the session cookie is signed with it: a short key can be guessed offline

DEFAULTS: dict[str, dict[str, str]] = {
    "app": {
        "mode": "demo",  # demo | production
        "data_dir": "var",
        "secret_key": DEFAULT_SECRET,
        "shop_name": "Автозапчасти Китай-Сервис",
        "shop_phone": "+7 495 000-00-00",
        "timezone": "Europe/Moscow",
        "region": "RU",
        "language": "ru",
        "disk_warn_mb": "500",  # free space in the data folder: below this the status bar warns, the owner is told
        "disk_critical_mb": "100",  # ...and below this it is red: saving will soon fail
    },
    "web": {
        "host": "0.0.0.0",
        "port": "8080",
        "processes": "0",  # waitress processes sharing the port; 0 = one per CPU core
        "threads": "4",  # per process; a short queue serves a burst in order instead of all at once
        "login_attempts": "5",  # failed logins before a lockout
        "lockout_minutes": "10",
        "pulse_seconds": "15",  # how often browsers poll the badge/pulse endpoint
    },
    "database": {
        # Empty: SQLite file <data_dir>/prilavok.db. A peewee db_url for PostgreSQL otherwise.
        "url": "",
        "busy_timeout_ms": "5000",
    },
    "worker": {
        "workers": "2",
        "heartbeat_seconds": "30",
    },
    "backup": {
        "dir": "",  # empty: <data_dir>/backups
        "hour": "3",  # shop time
        "keep_daily": "7",
        "keep_weekly": "4",
    },
    "exchange": {
        # 1C site exchange (/1c_exchange): the login/password entered in 1C's exchange settings.
        "login": "1c",
        "password": "",  # empty: the HTTP exchange refuses everyone
        "file_limit": "104857600",  # bytes per upload request 1C may send (it splits bigger files)
        "zip": "yes",  # accept zip archives from 1C
        # A zip from 1C is refused before unpacking when it would unpack to more than this (MB;
        # a 100,000-item catalogue with offers is ~650 MB of XML)...
        "max_unzipped_mb": "1024",
        "max_zip_ratio": "100",  # ...or, above 32 MB, is packed tighter than this (1C's XML: 8-30x)
        "import_step_seconds": "20",  # answer "progress" to 1C after this long, keep importing
        "drop_dir": "",  # empty: <data_dir>/exchange/in (with done/ and failed/ beside)
        "csv_mapping": "",  # empty: <data_dir>/exchange/csv-mapping.ini if it exists
        "default_warehouse": "Основной склад",
        "price_type": "Розничная",  # the 1C price type that is the retail price
        "stock_after": "17:00",  # shop time: stock must be newer than this every day...
        "reminder_at": "17:30",  # ...or a reminder is raised at this time
    },
    "workshop": {
        "bays": "4",  # number of service bays (посты)
        "bay_names": "",  # comma-separated; empty: "Пост 1", "Пост 2", ...
        "opens": "09:00",  # shop time; the schedule grid and planned work stay inside these hours
        "closes": "20:00",
        "slot_minutes": "30",  # grid row: 15 or 30
        "mechanics_may_change_status": "yes",  # started / waiting for parts / ready from the wall tablet
        "no_show_after_minutes": "60",  # a planned car that has not arrived by then is marked no-show
        "board_refresh_seconds": "5",
        "default_duration_minutes": "60",
        # workshop: a handed-over work order becomes a "repair" Sale; accounting: 1C brings the receipt
        "repair_sale": "workshop",
    },
    "orders": {
        "working_days": "1-6",  # ISO weekdays the shop is open (1=Mon): promised dates land on these
        "default_supplier_days": "3",  # delivery time when a line names no supplier days
        "forgot_to_order_minutes": "60",  # a line still "new" this long after creation: notify
        "late_warning_days": "1",  # promised date this close and the line not shipped: notify
        "reminder_after_days": "3",  # arrived, not picked up: reminder SMS + notification
        "decide_after_days": "14",  # arrived, not picked up: decide (return / sell from stock)
        "tracking_minutes": "30",  # how often the tracking job runs
        "shelf_places": "60",  # numbered places on the orders shelf, given out on arrival
    },
    "analytics": {
        "active_months": "12",  # a customer who bought or repaired within this many months is active
        "top": "20",  # rows in the dashboard's top lists (customers, car models)
    },
    "ratings": {
        "window": "11:00-20:00",  # shop time when rating requests may go out; outside it they wait
        "repeat_days": "14",  # at most one request per customer in this many days
        "max_age_days": "3",  # a visit older than this (modem down for days) is no longer asked about
        "reply_hours": "72",  # a reply this long after the request still counts as its answer
        "low_score": "9",  # a score below this is called back by another manager
        "few_answers": "30",  # fewer answers than this are marked «мало ответов» in the report
        "send_minutes": "5",  # how often the worker looks for requests due
        "callback_reasons": "срок заказа; не дозвонились; не было в наличии; качество ремонта; цена; другое",
    },
    "payroll": {
        # Bonus cards sold: sale lines of these articles (comma-separated) or of these 1C product groups.
        "bonus_card_articles": "",
        "bonus_card_groups": "Бонусные карты",
        # Default KPI → coefficient scale ("from KPI: coefficient; ..."), the owner changes it per month.
        "coefficients": "0: 0.5; 0.5: 0.6; 0.7: 0.8; 0.9: 0.9; 1.0: 1.0; 1.1: 1.1; 1.2: 1.2",
        # Default weight of each KPI in the coefficient (shop sales, personal sales, average check, bonus cards).
        "weights": "shop: 1; personal: 2; check: 1; cards: 1",
    },
    "suppliers": {
        # Suppliers themselves are [supplier:<code>] sections (see appliance/suppliers/registry.py).
        "connect_timeout": "3.05",  # seconds to open a connection to a supplier API
        "read_timeout": "10",  # seconds to wait for its answer
        "retries": "2",  # extra attempts after a network error / 5xx, with backoff
        "backoff": "0.5",  # seconds before the first retry, doubled each time
        "max_retry_after": "30",  # a longer 429 Retry-After counts as "link down"
        "link_probe_seconds": "60",  # a supplier marked down is tried again this often
        "price_cache_seconds": "300",  # price check answers reused for this long
        "stock_watch_time": "03:00",  # nightly stock watch, shop time
        "catch_up_minutes": "10",  # how often lines waiting for the link are re-tried
        "review_days": "7",  # days until the next chance to order (the nightly list is read weekly at worst)
        "history_days": "56",  # sales history window for the average daily sales
        "service_z": "1.65",  # safety factor: 1.65 = in stock on ~95 % of days
        "default_lead_days": "3",  # lead time assumed before a supplier is chosen
        "max_delivery_days": "10",  # slower offers are taken only when nobody is faster
        "high_price_factor": "1.5",  # best price above this x the 90-day median: "wait"
        "high_price_window_days": "90",
        "high_price_min_days": "3",  # days of price history needed before flagging
        "on_order_days": "30",  # open supplier order lines younger than this count as on order
        "last_quote_days": "7",  # a down supplier's last quote younger than this is shown on a waiting line
        "sim_port": "8765",  # demo: the supplier simulator (`prilavok supplier-sim`)
    },
    "discovery": {
        "enabled": "yes",
        "hostname": "prilavok",
        "service_name": "",  # empty: "Prilavok — <shop_name>"
    },
    "modem": {
        # sim (the pty simulator) | /dev/ttyUSB2 | /dev/serial/by-id/usb-HUAWEI_...-if00-port0
        "port": "sim",
        "baudrate": "115200",
        "command_timeout_seconds": "5",
        "prompt_timeout_seconds": "10",  # wait for "> " after AT+CMGS
        "send_timeout_seconds": "60",  # wait for +CMGS after the PDU; silence => "uncertain"
        "reset_timeout_seconds": "10",  # ATZ
        "ping_interval_seconds": "30",  # idle modem is asked "AT" this often
        "ping_timeout_seconds": "3",
        "ping_failures": "2",  # unanswered pings before the port is reopened
        "reopen_interval_seconds": "10",
        "send_interval_seconds": "6",  # rate limit: at least this long between two SMS
        "retry_base_seconds": "60",  # backoff after a transient error: base * 2^(attempt-1)
        "retry_max_seconds": "3600",
        "max_attempts": "6",
        "device_pause_seconds": "300",  # SIM/network/balance trouble: wait this long, don't burn attempts
        "status_report": "yes",  # ask the network for delivery reports
        "validity_hours": "72",
        "tick_seconds": "1",
        "status_interval_seconds": "60",  # refresh signal/operator on the devices page
        "storage_sweep_seconds": "300",  # re-read the SIM for messages a missed +CMTI left there
        "ring_gap_seconds": "8",  # no RING for this long: the call is over
        "sim_profile": "simcom",  # simulator habits: simcom | huawei | wavecom
        "sim_send_error_rate": "0",  # simulator: share of sends answered +CMS ERROR: 500
        "sim_auto_reply_rate": "0.3",  # simulator: share of recipients who text back (demo liveliness)
    },
    "loyalty": {
        # Points are kopecks of a rouble: 1 балл = 1 ₽. A percent may have a fraction ("2,5").
        "percent": "5",  # of the money paid (the part paid with points earns nothing)
        "hold_days": "14",  # points are credited this many days after a fully paid sale
        "expiry_months": "12",  # credited points burn after this many months, oldest spent first
        "excluded_groups": "",  # 1C product groups that earn no points, "|"-separated (e.g. Масла | Услуги)
        "levels": "",  # optional: roubles bought in 12 months : percent, e.g. 50000:7 | 150000:10
    },
    "pbx": {
        # "" (no office PBX) | sim (the AMI simulator, started by the devices process) | ami://user:secret@host:5038
        "url": "",
        "inbound_contexts": "from-pstn,from-trunk,from-did-direct,ext-did",  # trunk contexts: a call from outside
        "originate_channel": "Local/{ext}@from-internal",  # click-to-call rings this first
        "originate_context": "from-internal",  # ...then dials the number in this context
        "originate_timeout_seconds": "30",  # how long the manager's desk phone rings
        "recordings_dir": "",  # where MixMonitor files are (e.g. /var/spool/asterisk/monitor mounted)
        "callback_target_minutes": "20",  # «Перезвонить»: green within this, then amber the same day
        "callback_same_day": "yes",  # amber until the end of the shop day; no: red right after the target
        "conversion_days": "7",  # a purchase/order/repair within N days of an answered call counts for it
        "ping_interval_seconds": "20",
        "ping_timeout_seconds": "5",
        "connect_timeout_seconds": "5",
        "popup_keep_minutes": "10",  # the answering manager's pop-up stays this long after the call
        "sim_port": "0",  # 0: any free port (the simulator lives inside the devices process)
        "sim_demo": "yes",  # the simulator makes calls now and then (make run)
        "sim_demo_interval_seconds": "45",
    },
    "printer": {
        # sim | tcp://host:9100 | serial:///dev/ttyUSB0?baud=9600 | file:///dev/usb/lp0 | dir:///path
        "url": "sim",
        "language": "tspl",  # zpl | tspl | escpos
        "width_mm": "58",  # for escpos: the printable width (48 on 58 mm rolls, 72 on 80 mm)
        "height_mm": "40",
        "dpi": "203",
        "gap_mm": "2",
        "zpl_font": "E:TT0003M_.FNT",  # empty: ZPL text as graphics (clones without Cyrillic fonts)
        "connect_timeout_seconds": "3",
        "write_timeout_seconds": "10",
        "status_timeout_seconds": "1",
        "retry_min_seconds": "5",
        "retry_max_seconds": "300",
        "max_attempts": "30",
        "probe_interval_seconds": "60",  # how often an idle printer is asked whether it is ready
        "sim_port": "9101",
        "sim_dir": "",  # empty: <data_dir>/printer-sim
    },
}


def setting(section: str, key: str, kind: type = str):
    """A dataclass field read from [section] key: its default is DEFAULTS' value, the one source
    (``read_into`` fills it from the merged settings)."""
    return dataclasses.field(default_factory=lambda: kind(DEFAULTS[section][key]),
                             metadata={"setting": (section, key, kind)})


def read_into(cls, settings: Settings | None = None, **values):
    """An instance of dataclass ``cls`` with every ``setting`` field as configured now."""
    cfg = settings or get()
    for f in dataclasses.fields(cls):
        if "setting" in f.metadata and f.name not in values:
            section, key, kind = f.metadata["setting"]
            values[f.name] = kind(cfg.get(section, key))
    return cls(**values)


def _env_name(section: str) -> str:
    return section.upper().replace(":", "_").replace("-", "_").replace(".", "_")


class Settings:
    """Read-only view of the merged settings."""

    def __init__(self, path: Path | None = None, environ: dict | None = None, overrides: dict | None = None):
        self.path = path
        self._cp = configparser.ConfigParser(interpolation=None)
        self._cp.optionxform = str.lower
        self._cp.read_dict(DEFAULTS)
        if path and path.exists():
            with open(path, encoding="utf-8") as fh:
                self._cp.read_file(fh)
        self._apply_env(os.environ if environ is None else environ)
        if overrides:
            self._cp.read_dict({s: {k: str(v) for k, v in kv.items()} for s, kv in overrides.items()})

    def _apply_env(self, environ) -> None:
        by_env = sorted(((_env_name(s), s) for s in self._cp.sections()), key=lambda p: -len(p[0]))
        for name, value in environ.items():
            if not name.startswith("PRILAVOK_") or name == "PRILAVOK_CONFIG":
                continue
            rest = name[len("PRILAVOK_"):]
            for prefix, section in by_env:
                if rest.startswith(prefix + "_"):
                    self._cp.set(section, rest[len(prefix) + 1:].lower(), value)
                    break

    def get(self, section: str, key: str, fallback: str | None = None) -> str | None:
        return self._cp.get(section, key, fallback=fallback)

    def getint(self, section: str, key: str, fallback: int | None = None) -> int | None:
        return self._cp.getint(section, key, fallback=fallback)

    def getfloat(self, section: str, key: str, fallback: float | None = None) -> float | None:
        return self._cp.getfloat(section, key, fallback=fallback)

    def getbool(self, section: str, key: str, fallback: bool | None = None) -> bool | None:
        return self._cp.getboolean(section, key, fallback=fallback)

    def section(self, name: str) -> dict[str, str]:
        return dict(self._cp[name]) if self._cp.has_section(name) else {}

    def sections_with_prefix(self, prefix: str) -> dict[str, dict[str, str]]:
        return {s[len(prefix):]: dict(self._cp[s]) for s in self._cp.sections() if s.startswith(prefix)}

    @cached_property
    def var_dir(self) -> Path:
        return Path(self.get("app", "data_dir")).resolve()

    @property
    def demo(self) -> bool:
        return self.get("app", "mode") != "production"

    @cached_property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.get("app", "timezone"))

    @property
    def db_path(self) -> Path:
        return self.var_dir / "prilavok.db"

    def production_problems(self) -> list[str]:
        """Why this configuration must not run as a real shop's box."""
        problems = []
        secret = self.get("app", "secret_key") or ""
        if secret in ("", DEFAULT_SECRET):
            problems.append("[app] secret_key is the default; set a long random value")
        elif len(secret) < MIN_SECRET_LENGTH:
            problems.append(f"[app] secret_key is shorter than {MIN_SECRET_LENGTH} characters (a short key signing "
                            "the session cookie can be guessed); set a long random value: "
                            "python3 -c 'import secrets; print(secrets.token_hex(32))'")
        return problems


def config_path() -> Path:
    if os.environ.get("PRILAVOK_CONFIG"):
        return Path(os.environ["PRILAVOK_CONFIG"])
    etc = Path("/etc/prilavok/prilavok.ini")
    if etc.exists():
        return etc
    return Path(os.environ.get("PRILAVOK_APP_DATA_DIR", "var")) / "prilavok.ini"


_current: Settings | None = None


def get() -> Settings:
    global _current
    if _current is None:
        _current = Settings(config_path())
    return _current


def configure(settings: Settings | None) -> Settings | None:
    """Install settings for this process (tests, CLI); None means re-read on next get()."""
    global _current
    _current = settings
    return settings
