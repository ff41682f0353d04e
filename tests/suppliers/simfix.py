"""Helpers shared by the supplier tests: a simulator on a free port and adapters for it."""

from __future__ import annotations

from appliance.suppliers.abcp import AbcpAdapter
from appliance.suppliers.base import SupplierConfig
from appliance.suppliers.http import HTTPPolicy, SupplierHTTP
from appliance.suppliers.link import LinkTracker

FAST = HTTPPolicy(connect_timeout=0.5, read_timeout=0.5, retries=2, backoff=0.01, backoff_max=0.05,
                  max_retry_after=2.0)


def adapter(server, name: str, *, tracker: LinkTracker | None = None, policy: HTTPPolicy = FAST,
            password: str = "demo", **cfg) -> AbcpAdapter:
    config = SupplierConfig(code=name, kind="abcp", name=f"Поставщик {name}", url=server.url(name),
                            login="demo", password=password, working_days="1-7", **cfg)
    http = SupplierHTTP(name, config.url, policy=policy, concurrency=config.concurrency,
                        rate_limit=config.rate_limit, tracker=tracker or LinkTracker(probe_interval=60))
    return AbcpAdapter(config, http=http)
