"""Pages of the calls area through the Flask client: pop-up, call button, «Перезвонить», card, recordings, metrics."""
import datetime as dt

import pytest

from appliance import calls
from db.models.calls import Callback, ClickToCall, PhoneCall
from tests.calls.test_assembly import inbound
from tests.conftest import login_as

NOW = dt.datetime(2026, 11, 20, 9, 0, 30, tzinfo=dt.UTC)


@pytest.fixture
def pinned(time_machine):
    time_machine.move_to(NOW, tick=False)


def ringing(lid, number, exts):
    """Only the first part of a ring group call: the phones ring, nobody picked up yet."""
    events = inbound(lid, number, exts, t=NOW.replace(tzinfo=None) - dt.timedelta(seconds=5))
    return events[:1 + len(exts)]


def test_pop_shows_for_ringing_phones_and_stays_only_for_the_one_who_answered(pinned, client, desks, car):
    customer, _ = car
    calls.ingest(ringing("1.1", "+79161234567", ["101", "102"]))
    anna = login_as(client, "manager")
    page = anna.get("/calls/pop").get_data(as_text=True)
    assert "Звонит" in page and customer.name in page and "Chery Tiggo 4" in page
    assert "Открыть карточку" not in page
    full = inbound("1.1", "+79161234567", ["101", "102"], answer="102", t=NOW.replace(tzinfo=None) - dt.timedelta(seconds=5))
    calls.ingest(full[:-1])  # answered by 102, still talking
    assert customer.name not in anna.get("/calls/pop").get_data(as_text=True)
    client.post("/logout", headers={"X-CSRFToken": anna.token})
    petrov = login_as(client, "petrov")
    page = petrov.get("/calls/pop").get_data(as_text=True)
    assert "Разговор" in page and "Открыть карточку" in page and "Создать заказ" in page
    version = page.split('data-version="')[1].split('"')[0]
    assert petrov.get(f"/calls/pop?v={version}").status_code == 204


def test_unknown_number_pops_as_a_new_customer(pinned, client, desks):
    calls.ingest(ringing("2.1", "+79035550199", ["101"]))
    page = login_as(client, "manager").get("/calls/pop").get_data(as_text=True)
    assert "Новый клиент" in page and "+7 903 555-01-99" in page


def test_call_button_refuses_without_an_extension(client, staff, car):
    browser = login_as(client, "mechanic")
    response = browser.post("/calls/dial", {"number": "+79161234567"}, htmx=True)
    assert response.status_code == 422
    assert "не указан внутренний номер" in response.get_data(as_text=True)
    assert not ClickToCall.select().exists()


def test_call_button_queues_an_originate_row(client, desks, car):
    browser = login_as(client, "manager")
    card = browser.get(f"/customers/{car[0].id}").get_data(as_text=True)
    assert "☎ Позвонить" in card and "Звонки" in card
    response = browser.post("/calls/dial", {"number": "8 916 123-45-67"}, htmx=True)
    assert response.status_code == 200 and "Соединяем" in response.get_data(as_text=True)
    row = ClickToCall.get()
    assert (row.extension, row.number, row.status) == ("101", "+79161234567", "queued")
    ClickToCall.update(status="failed", error="Телефон 101 не отвечает").execute()
    assert "не отвечает" in browser.get(f"/calls/dial/{row.id}").get_data(as_text=True)


def test_callbacks_page_and_closing_by_hand(client, desks):
    calls.ingest(inbound("3.1", "+79161230000", ["101"]))
    browser = login_as(client, "manager")
    page = browser.get("/calls/callbacks").get_data(as_text=True)
    assert "+7 916 123-00-00" in page and "просрочен" in page  # the call was on 20.11, now is later
    entry = Callback.get()
    refused = browser.post(f"/calls/callbacks/{entry.id}/close", {"reason": ""})
    assert refused.status_code == 422 and "почему" in refused.get_data(as_text=True)
    assert browser.post(f"/calls/callbacks/{entry.id}/close", {"reason": "ошиблись номером"}).status_code == 302
    assert "Перезванивать некому" in browser.get("/calls/callbacks").get_data(as_text=True)


def test_card_shows_calls_and_plays_the_recording_with_range(client, desks, car, settings):
    customer, _ = car
    rec = settings.var_dir.parent / "rec"
    rec.mkdir()
    (rec / "in-101-1.wav").write_bytes(b"RIFF" + bytes(range(256)) * 40)
    calls.ingest(inbound("4.1", "+79161234567", ["101"], answer="101"))
    PhoneCall.update(recording="in-101-1.wav").execute()
    call = PhoneCall.get()
    assert client.get(f"/calls/{call.id}/recording").status_code in (302, 401)  # not logged in: no audio
    browser = login_as(client, "manager")
    card = browser.get(f"/customers/{customer.id}").get_data(as_text=True)
    assert "customer-calls" in card and "разговор" in card and f"/calls/{call.id}/recording" in card
    part = browser.get(f"/calls/{call.id}/recording", headers={"Range": "bytes=0-9"})
    assert part.status_code == 206 and part.data == b"RIFF" + bytes(range(6))
    PhoneCall.update(recording="../../etc/passwd").execute()
    assert browser.get(f"/calls/{call.id}/recording").status_code == 404


def test_staff_page_sets_an_extension(client, desks):
    browser = login_as(client, "owner")
    page = browser.get("/staff").get_data(as_text=True)
    assert 'name="extension" value="101"' in page
    anna = desks["101"]
    taken = browser.post(f"/calls/extension/{anna.id}", {"extension": "102"}, htmx=True)
    assert taken.status_code == 422 and "уже у сотрудника" in taken.get_data(as_text=True)
    assert browser.post(f"/calls/extension/{anna.id}", {"extension": "111"}, htmx=True).status_code == 200
    assert "111" in browser.get("/staff").get_data(as_text=True)


def test_devices_page_and_status_bar_show_the_pbx(client, desks):
    from appliance import status

    calls.record_link_state(False, "нет связи с АТС 10.0.0.5:5038: Connection refused", "ami://crm@10.0.0.5:5038")
    status.beat("devices")
    page = login_as(client, "manager").get("/devices").get_data(as_text=True)
    assert "Офисная АТС" in page and "Connection refused" in page
    item = next(i for i in status.collect() if i.label == "АТС")
    assert item.level == "bad" and "нет связи" in item.text


def test_call_button_next_to_phones_in_search_results_and_on_the_order(client, desks, car, staff):
    from appliance.orders import orders as orders_mod

    customer, _ = car
    order = orders_mod.create_order(customer, [orders_mod.LineInput("SMR-1", name="Фильтр")], staff["manager"])
    browser = login_as(client, "manager")
    results = browser.get("/search?q=916", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "☎ Позвонить" in results and 'value="+79161234567"' in results
    page = browser.get(f"/orders/{order.id}").get_data(as_text=True)
    assert "☎ Позвонить" in page
    client.post("/logout", headers={"X-CSRFToken": browser.token})
    owner_page = login_as(client, "owner").get(f"/orders/{order.id}").get_data(as_text=True)
    assert "☎ Позвонить" in owner_page  # the owner may call too (calls.dial); no extension is told on click


def test_journal_lists_the_weeks_calls(client, desks, car, time_machine):
    time_machine.move_to(NOW, tick=False)
    calls.ingest(inbound("5.1", "+79161234567", ["101"], answer="101"))
    page = login_as(client, "manager").get("/calls").get_data(as_text=True)
    assert car[0].name in page and "разговор" in page and "входящий" in page
