import subprocess
import sys
import threading
import time

from zeroconf import AddressResolverIPv4, ServiceBrowser, Zeroconf

from appliance import discovery


def test_box_is_announced_and_found_by_a_second_zeroconf(settings):
    # Run where no asyncio loop is set: Playwright's session-wide loop in the main thread
    # (browser tests in the same run) would otherwise be picked up by zeroconf.
    errors = []

    def body():
        try:
            _announce_and_discover()
        except BaseException as exc:  # re-raised in the test's thread
            errors.append(exc)

    thread = threading.Thread(target=body)
    thread.start()
    thread.join(60)
    if errors:
        raise errors[0]


def _announce_and_discover():
    announcement = discovery.Announcement("Запчасти Тест", 18080, hostname="prilavok-test",
                                          box_uuid="test-uuid", addresses=["127.0.0.1"], interfaces=["127.0.0.1"])
    announcement.start()
    found = {}

    class Listener:
        def add_service(self, zc, type_, name):
            info = zc.get_service_info(type_, name, timeout=3000)
            if info and info.properties.get(b"uuid") == b"test-uuid":
                found["info"] = info

        def update_service(self, *a):
            pass

        def remove_service(self, *a):
            pass

    other = Zeroconf(interfaces=["127.0.0.1"])
    try:
        ServiceBrowser(other, discovery.SERVICE_TYPE, Listener())
        deadline = time.time() + 10
        while "info" not in found and time.time() < deadline:
            time.sleep(0.1)
        info = found["info"]
        assert info.name.startswith("Prilavok — Запчасти Тест")
        assert info.port == 18080
        assert info.server == "prilavok-test.local."
        assert info.properties[b"path"] == b"/"
        assert info.parsed_addresses() == ["127.0.0.1"]
        # A browser resolving the host name alone (http://prilavok-test.local:8080) gets the address.
        resolver = AddressResolverIPv4("prilavok-test.local.")
        assert resolver.request(other, 3000)
        assert resolver.parsed_addresses() == ["127.0.0.1"]
    finally:
        other.close()
        announcement.close()


def test_cli_lists_its_commands():
    out = subprocess.run([sys.executable, "-m", "appliance.cli", "--help"], capture_output=True, text=True, check=True).stdout
    for command in ("init", "run", "serve", "worker", "createuser", "backup", "restore", "migrate"):
        assert command in out


def test_production_mode_refuses_demo_passwords(tmp_path):
    env = {"PATH": "/usr/bin:/bin", "PRILAVOK_APP_DATA_DIR": str(tmp_path), "PRILAVOK_CONFIG": str(tmp_path / "x.ini")}
    subprocess.run([sys.executable, "-m", "appliance.cli", "init", "--demo"], env=env, check=True, capture_output=True)
    env.update({"PRILAVOK_APP_MODE": "production", "PRILAVOK_APP_SECRET_KEY": "s" * 40})
    result = subprocess.run([sys.executable, "-m", "appliance.cli", "serve", "--no-announce", "--port", "18099"],
                            env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert "demo password" in result.stderr
