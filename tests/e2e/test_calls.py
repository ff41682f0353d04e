"""The issue's «Done means» in Chromium against the AMI simulator over TCP:
an inbound call pops up for the ringing managers and stays only for the one who answered;
a missed call appears in «Перезвонить» and is closed by a click-to-call that connects;
the card shows both calls."""
import pytest

from appliance import settings as settings_mod
from appliance.calls.service import PbxService
from db.models.calls import Callback, PhoneCall
from db.models.staff import Staff
from hardware.sim.pbx_sim import PbxSim
from tests.conftest import configure_settings, wait_for
from tests.e2e.conftest import screenshot


@pytest.fixture
def settings(tmp_path):
    yield configure_settings(tmp_path / "var", pbx={"url": "sim"}, web={"pulse_seconds": "30"})
    settings_mod.configure(None)


@pytest.fixture
def desks(staff):
    from appliance import staff as staff_mod

    staff_mod.create_staff("petrov", "Петров Илья Андреевич", "manager", "demo")
    for login, ext in (("manager", "101"), ("petrov", "102")):
        Staff.update(extension=ext).where(Staff.username == login).execute()


@pytest.fixture
def pbx(db, desks):
    sim = PbxSim(registered=("101", "102")).start()
    service = PbxService(sim.url).start()
    wait_for(lambda: service.client.up, 5, "AMI login")
    yield sim
    service.stop()
    sim.stop()


def test_screen_pop_callback_and_card(browser, page, live_server, login_as, pbx, car):
    customer, _ = car
    sim = pbx
    anna = login_as(page, "manager")
    anna.goto(f"{live_server}/customers")
    other = browser.new_context(viewport={"width": 1366, "height": 900}, locale="ru-RU", timezone_id="Europe/Moscow")
    petrov = login_as(other.new_page(), "petrov")
    petrov.goto(f"{live_server}/orders")

    call = sim.ring("+79161234567", ["101", "102"])
    for p in (anna, petrov):
        p.wait_for_selector(f".pop[data-linkedid='{call.linkedid}'] .pop-name:has-text('{customer.name}')")
    assert "Chery Tiggo 4" in anna.inner_text("#call-pop")
    screenshot(anna, "calls_pop_ringing")
    sim.answer(call, "102")
    anna.wait_for_selector(f".pop[data-linkedid='{call.linkedid}']", state="detached")
    petrov.wait_for_selector(f".pop.mine[data-linkedid='{call.linkedid}'] >> text=Открыть карточку")
    assert petrov.is_visible("text=Создать заказ")
    screenshot(petrov, "calls_pop_answered")
    sim.hangup(call)

    sim.missed("+79161234567", ["101", "102"])
    wait_for(lambda: Callback.select().where(Callback.is_open).exists(), 10, "the missed call in Перезвонить")
    anna.goto(f"{live_server}/calls/callbacks")
    row = anna.locator("tr.callback[data-number='+79161234567']")
    assert "1" in row.inner_text()
    screenshot(anna, "calls_callbacks")
    row.locator("button:has-text('Позвонить')").click()
    anna.wait_for_selector("text=Звонит ваш телефон 101")
    wait_for(lambda: not Callback.select().where(Callback.is_open).exists(), 10, "the callback closed by the call")
    anna.reload()
    assert "Перезванивать некому" in anna.inner_text("#callbacks")

    anna.goto(f"{live_server}/customers/{customer.id}")
    history = anna.inner_text("#customer-calls")
    assert history.count("входящий") == 2 and "исходящий" in history and "пропущен" in history
    assert PhoneCall.select().where(PhoneCall.customer == customer).count() == 3
    screenshot(anna, "calls_card")
    other.close()


def test_call_button_refuses_for_an_unregistered_phone(page, live_server, login_as, pbx, car):
    sim = pbx
    sim.registered.discard("101")
    anna = login_as(page, "manager")
    anna.goto(f"{live_server}/customers/{car[0].id}")
    anna.locator(".call-button button").first.click()
    anna.wait_for_selector(".dial-refused >> text=не зарегистрирован")
    screenshot(anna, "calls_refused")
