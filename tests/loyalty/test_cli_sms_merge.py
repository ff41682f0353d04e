"""`prilavok loyalty balance|history`, the {bonus_balance} SMS placeholder, a merge moving the card."""
from __future__ import annotations

import datetime as dt
import json

from appliance import customers, sms
from appliance.cli import main
from appliance.customers import PhoneInput
from appliance.loyalty import cards, ledger
from db import write_transaction
from tests.loyalty.conftest import T0, make_sale


def _history(card, staff, at):
    with at(T0):
        cards.correct(card, 50000, "перенос со старой карты", staff["owner"])
    ls = make_sale(card, [("A11-3707110CA", "4", 180000)], T0 + dt.timedelta(days=1), number="ЧК-000301")
    with at(T0 + dt.timedelta(days=16)):
        ledger.credit_due()
    return ls


def test_cli_balance_and_history_json(card, staff, at, capsys):
    _history(card, staff, at)
    assert main(["loyalty", "balance", "2000 0123 45678", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["balance_kop"] == 50000 + 9000 and data["cards"] == ["2000012345678"]
    assert data["customer"]["name"] == "Иванов Сергей Петрович"
    assert data["next_expiry"]["amount_kop"] == 50000 and data["next_expiry"]["at"].startswith("2027-11-02")
    assert main(["loyalty", "history", "89165551234", "--json"]) == 0  # by the customer's phone
    data = json.loads(capsys.readouterr().out)
    assert [(e["kind"], e["amount_kop"], e["sale"]) for e in data["entries"]] == [
        ("accrual", 9000, "ЧК-000301"), ("correction", 50000, None)]
    assert main(["loyalty", "balance", "2000012345678"]) == 0
    assert "Баланс: 590 б." in capsys.readouterr().out
    assert main(["loyalty", "history", "0000"]) == 1
    assert "не найдены" in capsys.readouterr().err


def test_sms_placeholder_is_the_real_balance(card, staff, at):
    _history(card, staff, at)
    text = sms.render("У вас {bonus_balance} бонусов", customer=card.customer)
    assert text == "У вас 590 бонусов"
    nobody = customers.create_customer("Без Карты", [PhoneInput("+7 916 000-00-01")], staff["manager"])
    assert sms.render("У вас {bonus_balance} бонусов", customer=nobody) == "У вас 0 бонусов"


def test_merge_moves_the_card_and_its_ledger(card, staff, at):
    _history(card, staff, at)
    survivor = customers.create_customer("Иванов С. П.", [PhoneInput("+7 916 777-00-00")], staff["manager"])
    with write_transaction():
        customers.merge(survivor, card.customer, staff["manager"])
    assert [c.number for c in cards.cards_of(survivor.id)] == ["2000012345678"]
    assert cards.customer_balance(survivor.id) == 59000
    assert cards.find("2000012345678")[0].id == survivor.id
