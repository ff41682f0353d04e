"""`prilavok payroll --month YYYY-MM [--json]` on the November dataset."""
from __future__ import annotations

import json

import pytest

from appliance.cli import main

pytestmark = pytest.mark.clock


def test_json_figures(november, capsys):
    assert main(["payroll", "--month", "2026-11", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert (data["month"], data["shop_kop"], data["shop_days_elapsed"], data["closed"]) == ("2026-11", 122_000_00, 8,
                                                                                           False)
    anna = next(r for r in data["rows"] if r["staff_id"] == november["anna"].id)
    assert (anna["pay_to_date_kop"], anna["pay_forecast_kop"], anna["coefficient"]) == (13_338_00, 41_681_25, "0.840")
    assert anna["kpis"]["personal"]["kpi"] == "1.188"
    petrov = next(r for r in data["rows"] if r["staff_id"] == november["petrov"].id)
    assert petrov["status"] == "план не задан" and petrov["pay_to_date_kop"] is None


def test_text_and_bad_month(november, capsys):
    assert main(["payroll", "--month", "2026-11"]) == 0
    out = capsys.readouterr().out
    assert "Зарплата: ноябрь 2026; рабочих дней 25, прошло 8; продажи магазина 122 000,00 ₽" in out
    assert "коэф. 0,84  на сегодня 13 338,00 ₽  прогноз 41 681,25 ₽" in out
    assert "план не задан" in out
    assert main(["payroll", "--month", "11.2026"]) == 2
    assert "укажите в виде ГГГГ-ММ" in capsys.readouterr().err
