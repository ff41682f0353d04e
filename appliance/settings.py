"""One INI file plus PRILAVOK_<SECTION>_<KEY> environment overrides.

The file is `$PRILAVOK_CONFIG`, else `/etc/prilavok/prilavok.ini` when it exists (the box),
else `./var/prilavok.ini` (development). Every key has an embedded default below, so a
missing file means "demo mode, simulated devices, port 8080, data under ./var".
"""
from __future__ import annotations

import configparser
import os
from functools import cached_property
from pathlib import Path
from zoneinfo import ZoneInfo

DEFAULT_SECRET = "change-me-demo-secret"

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
    },
    "web": {
        "host": "0.0.0.0",
        "port": "8080",
        "threads": "8",
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
    "discovery": {
        "enabled": "yes",
        "hostname": "prilavok",
        "service_name": "",  # empty: "Prilavok — <shop_name>"
    },
}


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
        if self.get("app", "secret_key") in ("", DEFAULT_SECRET):
            problems.append("[app] secret_key is the default; set a long random value")
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
