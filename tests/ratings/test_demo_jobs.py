"""The demo shop has months of ratings around 9.5; the worker's periodic job and the CLI send-due."""
from __future__ import annotations

import json

import pytest

from appliance.cli import main as cli_main
from appliance.ratings import report
from db.models.ratings import RatingCallback, RatingReply, RatingRequest
from jobs import ratings as ratings_jobs

pytestmark = pytest.mark.clock


def test_demo_has_months_of_ratings(demo_db):
    r = report.build(*report.default_period())
    assert r.overall.answers >= 30 and not r.overall.few
    assert 9.0 <= float(r.overall.average) <= 9.9
    weeks = [w for w in r.weeks if w.figures.answers]
    assert len(weeks) >= 8
    assert RatingCallback.select().count() >= 1
    assert RatingReply.select().where(RatingReply.state == "review").exists()
    assert RatingRequest.select().where(RatingRequest.status == "skipped").count() < RatingRequest.select().count()


def test_periodic_job_is_declared_and_thin(shop_clock, modem_up, buyer, import_sales, worker):
    from tests.ratings.test_requests import SALE

    import_sales([SALE])
    assert ratings_jobs.send_due_ratings.call_local()["queued"] == 1
    assert ratings_jobs.send_due_ratings.call_local()["queued"] == 0


def test_cli_send_due_json(shop_clock, modem_up, buyer, import_sales, capsys):
    from tests.ratings.test_requests import SALE

    import_sales([SALE])
    assert cli_main(["ratings", "send-due", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["queued"] == 1
    assert cli_main(["ratings", "send-due"]) == 0
    assert capsys.readouterr().out.startswith("отправлено в очередь: 0")
