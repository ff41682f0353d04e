import pytest

from appliance import settings as settings_mod
from db.models.staff import Staff
from tests.conftest import configure_settings


@pytest.fixture
def settings(tmp_path):
    yield configure_settings(tmp_path / "var", pbx={"url": "sim", "sim_port": "0", "sim_demo": "no",
                                                    "recordings_dir": str(tmp_path / "rec")})
    settings_mod.configure(None)


@pytest.fixture
def desks(staff):
    """Two managers and the owner with desk phones 101, 102, 103."""
    from appliance import staff as staff_mod

    second = staff_mod.create_staff("petrov", "Петров Илья Андреевич", "manager", "demo")
    for person, ext in ((staff["manager"], "101"), (second, "102"), (staff["owner"], "103")):
        Staff.update(extension=ext).where(Staff.id == person.id).execute()
    return {"101": Staff.get_by_id(staff["manager"].id), "102": Staff.get_by_id(second.id),
            "103": Staff.get_by_id(staff["owner"].id)}
