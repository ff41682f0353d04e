"""Being found on the LAN: `_http._tcp` service "Prilavok — <shop>" and the host prilavok.local."""
from __future__ import annotations

import logging
import socket
import uuid

from zeroconf import IPVersion, ServiceInfo, Zeroconf

from appliance import __version__

log = logging.getLogger(__name__)
SERVICE_TYPE = "_http._tcp.local."


def lan_addresses() -> list[str]:
    """IPv4 addresses of this box that other machines on the LAN can reach."""
    addresses = set()
    try:
        for info in socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET):
            addresses.add(info[4][0])
    except socket.gaierror:
        pass
    try:  # the address of the default route's interface, without sending anything
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.connect(("10.255.255.255", 1))
            addresses.add(s.getsockname()[0])
    except OSError:
        pass
    lan = sorted(a for a in addresses if not a.startswith("127."))
    return lan or ["127.0.0.1"]


class Announcement:
    """Registers the service on start, unregisters everything on close."""

    def __init__(self, shop_name: str, port: int, hostname: str = "prilavok", box_uuid: str | None = None,
                 addresses: list[str] | None = None, interfaces=None):
        self.addresses = addresses or lan_addresses()
        name = f"Prilavok — {shop_name}"[:63]
        self.info = ServiceInfo(
            SERVICE_TYPE,
            f"{name}.{SERVICE_TYPE}",
            addresses=[socket.inet_aton(a) for a in self.addresses],
            port=port,
            properties={"path": "/", "version": __version__, "uuid": box_uuid or str(uuid.uuid4())},
            server=f"{hostname}.local.",
        )
        kwargs = {"ip_version": IPVersion.V4Only}
        if interfaces is not None:
            kwargs["interfaces"] = interfaces
        self.zeroconf = Zeroconf(**kwargs)

    def start(self) -> Announcement:
        # allow_name_change: a second box on the LAN gets "Prilavok — shop (2)" instead of a crash.
        self.zeroconf.register_service(self.info, allow_name_change=True)
        log.info("announced %s at %s:%s", self.info.name, self.addresses, self.info.port)
        return self

    def close(self) -> None:
        try:
            self.zeroconf.unregister_all_services()
        finally:
            self.zeroconf.close()


def box_uuid() -> str:
    """Generated once and kept, so clients can tell this box from another one."""
    from db.models.system import KeyValue

    row = KeyValue.get_or_none(KeyValue.key == "box_uuid")
    if row is None:
        row = KeyValue.create(key="box_uuid", value=str(uuid.uuid4()))
    return row.value
