"""The owner's figures: average, NPS on the 1-10 scale, «мало ответов», response rate, weeks, CLI."""
from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest

from appliance.cli import main as cli_main
from appliance.ratings import report
from tests.ratings.conftest import MON, rated

pytestmark = pytest.mark.clock

def test_average_nps_and_counts(period):
    r = report.build(MON, MON + dt.timedelta(days=13))
    o = r.overall
    # 10 10 9 8 7 6 3: promoters 3, detractors 2 -> NPS = (3 - 2) / 7 = 14 %
    assert (o.answers, o.average, o.promoters, o.detractors, o.nps, o.few) == (7, Decimal("7.57"), 3, 2, 14, True)
    parts, workshop = r.departments
    assert (parts.label, parts.answers, parts.nps) == ("запчасти", 5, 40)
    assert (workshop.label, workshop.answers, workshop.average, workshop.nps) == ("мастерская", 2, Decimal("5.00"), -50)
    people = {f.label: f for f in r.people}
    assert people["Соколова Анна Сергеевна (менеджер)"].answers == 5
    assert people["Захаров Денис Олегович (механик)"].average == Decimal("5.00")
    assert (r.asked, r.answered, r.response_rate, r.skipped) == (8, 7, 88, 1)
    assert r.reasons == [("срок заказа", 2), ("цена", 1)]
    assert [(w.start, w.figures.answers) for w in r.weeks] == [(MON, 4), (MON + dt.timedelta(days=7), 3)]
    svg = report.trend_svg(r.weeks)
    assert svg.startswith("<svg") and svg.count("<circle") == 2 and "http" not in svg


def test_thirty_answers_are_enough(shop_clock, buyer, staff):
    for _ in range(30):
        rated(buyer, MON, Decimal(10), [(staff["manager"], "manager")])
    r = report.build(MON, MON)
    assert r.overall.few is False and r.overall.nps == 100


def test_cli_report_json(period, capsys):
    assert cli_main(["ratings", "report", "--from", "16.11.2026", "--to", "2026-11-29", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["overall"]["answers"] == 7 and data["overall"]["nps"] == 14 and data["response_rate"] == 88
    assert data["overall"]["few_answers"] is True
    assert [d["label"] for d in data["departments"]] == ["запчасти", "мастерская"]
    assert data["replies"] == []  # these requests were scored by hand, with no SMS reply
    assert cli_main(["ratings", "report", "--from", "16.11.2026", "--to", "2026-11-29"]) == 0
    text = capsys.readouterr().out
    assert "Спросили 8, ответили 7 (88 %)" in text and "мало ответов" in text


def test_cli_bad_date(db, capsys):
    assert cli_main(["ratings", "report", "--from", "вчера"]) == 2
    assert "нужно вида 22.11.2026" in capsys.readouterr().err
