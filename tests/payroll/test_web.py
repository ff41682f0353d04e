"""The payroll pages as the owner and a manager see them, bad input, closing and corrections."""
from __future__ import annotations

import datetime as dt
import json
import re
from decimal import Decimal

import pytest
import time_machine

from appliance.payroll import kpi
from db.models.audit import AuditEntry
from db.models.payroll import ClosedMonth, ManagerPlan, PayCorrection
from tests.conftest import login_as
from tests.payroll.conftest import NOVEMBER, msk, sale

pytestmark = pytest.mark.clock


def _text(response) -> str:
    return re.sub(r"[ \t\r\n]+", " ", response.get_data(as_text=True))


def test_owner_sees_every_manager(november, client):
    owner = login_as(client, "owner")
    page = _text(owner.get("/payroll?month=2026-11"))
    assert "Зарплата: ноябрь 2026" in page
    assert "Рабочих дней магазина в месяце: 25, прошло 8" in page
    assert "122\u00a0000\u00a0₽" in page and "без менеджера 5\u00a0000\u00a0₽" in page
    row = page[page.index(f'id="row-{november["anna"].id}"'):]
    assert "13\u00a0338\u00a0₽" in row[:3000] and "41\u00a0681,25\u00a0₽" in row[:3000] and "0,84" in row[:3000]
    petrov = page[page.index(f'id="row-{november["petrov"].id}"'):][:1500]
    assert "план не задан" in petrov and "задать план" in petrov
    assert "работал(а) по 06.11.2026" in page


def test_manager_sees_only_own_row_and_the_tile(november, client):
    anna = login_as(client, "manager")
    page = _text(anna.get("/payroll"))
    assert "Соколова Анна Сергеевна" in page and "Петров" not in page and "Кузьмина" not in page
    assert "Шкала KPI" not in page and "задать план" not in page
    start = _text(anna.get("/customers"))
    tile = start[start.index('id="my-plan"'):start.index("</section>")]
    assert "Мой план сегодня" in tile
    assert "119\u00a0%" in tile and "план на сегодня 80\u00a0000\u00a0₽" in tile  # personal KPI 95 000 / 80 000
    assert "13\u00a0338\u00a0₽" in tile and "155\u00a0000\u00a0₽" in tile  # pay to date, left to the month's plan
    assert anna.get(f"/payroll/2026-11/plan/{november['anna'].id}").status_code == 403


def test_no_tile_without_a_plan_and_for_mechanics(november, client):
    petrov = login_as(client, "petrov")
    assert "Мой план сегодня" not in _text(petrov.get("/customers"))
    mechanic = login_as(client, "mechanic")
    assert "Мой план сегодня" not in _text(mechanic.get("/customers"))
    assert mechanic.get("/payroll").status_code == 403


def test_plan_form_saves_once_and_audits(november, client):
    owner = login_as(client, "owner")
    form_page = owner.get(f"/payroll/2026-11/plan/{november['petrov'].id}").get_data(as_text=True)
    token = re.search(r'name="form_token" value="([^"]+)"', form_page).group(1)
    data = {"form_token": token, "base_kind": "month", "base": "25 000", "parts_percent": "4,5",
            "plan_personal": "200 000"}
    assert owner.post(f"/payroll/2026-11/plan/{november['petrov'].id}", data).status_code == 302
    assert owner.post(f"/payroll/2026-11/plan/{november['petrov'].id}", data).status_code == 302
    plan = ManagerPlan.get(ManagerPlan.staff == november["petrov"].id)
    assert plan.base_kop == 25_000_00 and plan.parts_percent == Decimal("4.5")
    assert AuditEntry.select().where(AuditEntry.action == "payroll.plan_create",
                                     AuditEntry.object_id == str(plan.id)).count() == 1
    row = kpi.month_figures(NOVEMBER).row_of(november["petrov"].id)
    assert row.pay_to_date_kop == 8_000_00 + 225_00  # 25 000 × 8 / 25 + 10 000 × 4,5 % (450) × coefficient 0,5


@pytest.mark.parametrize("field, value, message", [
    ("base", "тридцать", "Оклад, ₽: «тридцать» — не число"),
    ("parts_percent", "150", "% с запчастей: от 0 до 100"),
    ("shifts", "3-40", "Смены: «3-40» — числа месяца от 1 до 30"),
    ("left_on", "31.12.2026", "Последний рабочий день: дата внутри месяца (ноябрь 2026)"),
    ("base_kind", "year", "Оклад: выберите значение из списка"),
])
def test_plan_bad_input_is_refused_in_russian(november, client, field, value, message):
    owner = login_as(client, "owner")
    response = owner.post(f"/payroll/2026-11/plan/{november['petrov'].id}", {field: value})
    assert response.status_code == 422
    assert message in _text(response)
    assert not ManagerPlan.select().where(ManagerPlan.staff == november["petrov"].id).exists()


def test_bad_month_is_a_message_not_a_500(november, client):
    owner = login_as(client, "owner")
    response = owner.get("/payroll?month=2026-13")
    assert response.status_code == 422 and "укажите в виде ГГГГ-ММ, например 2026-11" in _text(response)
    assert owner.get("/payroll/2026-13/plan/1").status_code == 404
    empty = _text(owner.get("/payroll?month=2027-02"))
    assert "Месяц ещё не начался" in empty and "план не задан" in empty


def test_scale_form(november, client):
    owner = login_as(client, "owner")
    data = {"kpi_from-0": "0", "coef-0": "0,5", "kpi_from-1": "1", "coef-1": "1,5", "weight-personal": "1"}
    assert owner.post("/payroll/2026-11/scale", data).status_code == 302
    row = kpi.month_figures(NOVEMBER).row_of(november["anna"].id)
    assert row.coefficient == Decimal("1.5")  # only personal sales weigh now; its KPI 1.188 is on the step from 1
    assert 'name="coef-1" value="1,50"' in _text(owner.get("/payroll?month=2026-11"))
    bad = owner.post("/payroll/2026-11/scale", {"kpi_from-0": "0,5", "weight-personal": "1"})
    assert bad.status_code == 422 and "в каждой строке нужны и KPI, и коэффициент" in _text(bad)


def test_close_month_snapshot_and_corrections(november, client, shop_clock):
    owner = login_as(client, "owner")
    refused = owner.post("/payroll/2026-11/close")
    assert refused.status_code == 422 and "ещё не закончился: закрыть его можно с 01.12.2026" in _text(refused)
    shop_clock.move_to(dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC))
    assert owner.post("/payroll/2026-11/close").status_code == 302
    snap = json.loads(ClosedMonth.get(ClosedMonth.month == "2026-11").snapshot)
    anna = next(r for r in snap["rows"] if r["staff_id"] == november["anna"].id)
    assert anna["days_elapsed"] == 25 and anna["pay_to_date_kop"] == anna["pay_forecast_kop"]
    assert AuditEntry.select().where(AuditEntry.action == "payroll.close").count() == 1
    again = owner.post("/payroll/2026-11/close")
    assert again.status_code == 422 and "уже закрыт" in _text(again)
    locked = owner.post(f"/payroll/2026-11/plan/{november['anna'].id}", {"base": "99 999"})
    assert locked.status_code == 422 and "закрыт: настройки не меняются" in _text(locked)
    # a late sale does not change the closed month's page
    sale(november["anna"], msk(20), (1_000_000,))
    page = _text(owner.get("/payroll?month=2026-11"))
    assert "(закрыт)" in page and f"{anna['pay_to_date_kop'] // 100:,}".replace(",", "\u00a0") in page
    assert owner.post("/payroll/2026-11/corrections", {"staff": november["anna"].id, "amount": "-1 500",
                                                       "reason": "недостача"}).status_code == 302
    assert owner.post("/payroll/2026-11/corrections", {"staff": november["anna"].id, "amount": "0",
                                                       "reason": "x"}).status_code == 422
    line = PayCorrection.get()
    assert line.amount_kop == -1_500_00 and AuditEntry.select().where(
        AuditEntry.action == "payroll.correction").count() == 1
    page = _text(owner.get("/payroll?month=2026-11"))
    assert "недостача" in page
    with pytest.raises(PermissionError):
        row = ClosedMonth.get()
        row.snapshot = "{}"
        row.save()


def test_manager_sees_own_closed_row_only(november, client):
    with time_machine.travel(dt.datetime(2026, 12, 2, 9, 0, tzinfo=dt.UTC), tick=False):
        owner = login_as(client, "owner")
        owner.post("/payroll/2026-11/close")
        client.get("/logout")
        anna = login_as(client, "manager")
        page = _text(anna.get("/payroll?month=2026-11"))
        assert "Соколова" in page and "Петров" not in page and "Корректировка" not in page


def test_refusals_without_a_500(november, client, shop_clock):
    shop_clock.move_to(dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC))
    anna = login_as(client, "manager")
    assert anna.post("/payroll/2026-11/close").status_code == 403
    assert anna.post("/payroll/2026-11/scale", {"weight-personal": "1"}).status_code == 403
    client.get("/logout")
    owner = login_as(client, "owner")
    early = owner.post("/payroll/2026-11/corrections", {"staff": november["anna"].id, "amount": "100", "reason": "x"})
    assert early.status_code == 422 and "не закрыт" in _text(early)
    assert owner.post("/payroll/2026-11/close").status_code == 302
    for form, message in (({"staff": "abc", "amount": "100", "reason": "x"}, "Сотрудник: выберите из списка"),
                          ({"staff": "999999", "amount": "100", "reason": "x"}, "Сотрудник: выберите менеджера"),
                          ({"staff": november["anna"].id, "amount": "1e400", "reason": "x"}, "Сумма, ₽"),
                          ({"staff": november["anna"].id, "amount": "100", "reason": ""}, "Причина: заполните поле")):
        response = owner.post("/payroll/2026-11/corrections", form)
        assert response.status_code == 422 and message in _text(response), form
    assert not PayCorrection.select().exists()
    bad_scale = owner.post("/payroll/2026-12/scale", {"kpi_from-0": "0", "coef-0": "1", "weight-shop": "много"})
    assert bad_scale.status_code == 422 and "Вес «продажи магазина»" in _text(bad_scale)
