"""The huey queue: one SqliteHuey in the data folder; tasks live in jobs/<area>.py."""
from __future__ import annotations

from huey import SqliteHuey

from appliance import settings

_cfg = settings.get()
_cfg.var_dir.mkdir(parents=True, exist_ok=True)
huey = SqliteHuey("prilavok", filename=str(_cfg.var_dir / "huey.db"), utc=False)  # crontabs in shop time: the worker sets TZ to the shop zone
