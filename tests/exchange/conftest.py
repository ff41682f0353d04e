import datetime as dt
from pathlib import Path

import pytest

DATA = Path(__file__).parent / "data"
# ../shared beside the checkout (CI and developers), as shared/README.md describes.
SAMPLES = Path(__file__).resolve().parents[3] / "shared" / "samples" / "commerceml"
if not SAMPLES.exists():
    SAMPLES = Path("/work/shared/samples/commerceml")


@pytest.fixture
def data_file(tmp_path):
    """A copy of a test file (the importer may move originals)."""
    def copy(name: str, text: str | None = None, encoding: str = "utf-8") -> Path:
        dest = tmp_path / "in" / name
        dest.parent.mkdir(exist_ok=True)
        if text is not None:
            dest.write_bytes(text.encode(encoding))
        else:
            dest.write_bytes((DATA / name).read_bytes())
        return dest
    return copy


@pytest.fixture
def published(monkeypatch):
    """Events the importer publishes, instead of running the subscribers."""
    from appliance import events

    seen = []
    monkeypatch.setattr(events, "publish", lambda name, **kw: seen.append((name, kw)) or [])
    return seen


@pytest.fixture
def fixed_now(monkeypatch):
    from appliance import clock

    def set_now(value: dt.datetime):
        monkeypatch.setattr(clock, "utcnow", lambda: value)
    return set_now



@pytest.fixture
def immediate_huey():
    """The huey queue runs each task as it is queued (the worker's half inside the test)."""
    from jobs import huey

    huey.immediate = True
    yield huey
    huey.immediate = False
