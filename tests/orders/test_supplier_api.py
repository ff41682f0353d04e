"""Ordering through a supplier's API: the order goes to the suppliers' outbox, the supplier
simulator takes it over HTTP, and its statuses (shipped, refused) come back to the lines."""
from __future__ import annotations

import pytest

from appliance import settings as settings_mod
from appliance.errors import InputError
from appliance.orders import orders, tracking
from appliance.orders.orders import LineInput
from appliance.purchasing import supplier_orders
from appliance.suppliers import link, registry
from db.models.notifications import Notification
from db.models.suppliers import SupplierOrder
from hardware.sim.supplier_api import RunningSim, SimSupplier
from tests.conftest import configure_settings


@pytest.fixture
def supplier_sim(db, settings):
    running = RunningSim([SimSupplier("s1", seed=1, coverage=1.0, refuse_articles={"T11-3502080"})], port=0)
    server = running.start()
    configure_settings(settings.var_dir, **{
        "suppliers": {"connect_timeout": "0.5", "read_timeout": "1", "retries": "1", "backoff": "0.01"},
        "supplier:s1": {"kind": "abcp", "name": "АвтоОпт", "url": server.url("s1"), "login": "demo",
                        "password": "demo", "working_days": "1-7", "rate_limit": "0"},
        "supplier:phone": {"kind": "pricelist", "name": "Склад на Южной"},
    })
    registry.reset()
    link.tracker.reset()
    yield server
    running.stop()
    registry.reset()
    link.tracker.reset()
    settings_mod.configure(settings)


def test_order_through_the_api_and_statuses_come_back(supplier_sim, make_order, staff):
    order = make_order(LineInput("A11-3707110CA", "CHERY", "Свеча", 4, "450", "s1", 1),
                       LineInput("T11-3502080", "CHERY", "Колодки", 1, "1650", "s1", 1),
                       LineInput("K-1", "CHERY", "Коврик", 1, "900", "phone", 2))
    assert orders.order_through_api(order, staff["manager"]) == 2
    lines = orders.lines_of(order)
    assert [ln.status for ln in lines] == ["ordered", "ordered", "new"]  # the price-list supplier is ordered by phone
    (sorder,) = SupplierOrder.select()
    assert sorder.source == "customer" and lines[0].supplier_ref == sorder.client_ref
    with pytest.raises(InputError, match="Нет новых позиций у поставщиков с API"):
        orders.order_through_api(orders.get(order.id), staff["manager"])

    assert supplier_orders.drain_outbox()["placed"] == 1  # the worker's outbox job, over HTTP to the simulator
    supplier_orders.poll_statuses()
    supplier_orders.poll_statuses()
    tracking.run(poll=False)
    lines = orders.lines_of(order)
    placed = SupplierOrder.get_by_id(sorder.id)
    assert lines[0].supplier_ref == placed.ref != sorder.client_ref
    assert lines[0].status == "shipped"
    assert lines[1].status == "refused" and "нет на складе" in lines[1].reason
    refused = Notification.get(Notification.key == f"order:{order.id}:refused")
    assert refused.is_open and "T11-3502080" in refused.title


def test_order_page_offers_the_api_button(login, supplier_sim, make_order):  # the app installs its settings first
    order = make_order(LineInput("A11-3707110CA", "CHERY", "Свеча", 4, "450", "s1", 1))
    browser = login("manager")
    assert 'id="order-api"' in browser.get(f"/orders/{order.id}").get_data(as_text=True)
    response = browser.post(f"/orders/{order.id}/order-api")
    assert response.status_code == 302 and orders.get(order.id).status == "ordered"
    page = browser.get(f"/orders/{order.id}").get_data(as_text=True)
    assert "передано поставщикам через API: 1" in page and 'id="order-api"' not in page
