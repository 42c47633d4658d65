"""Pieces of the operator commands that need no AWS: ages, run ids, Cost Explorer pages, check lines."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from quilt_e2e.config import load_settings
from quilt_e2e.operator import costs
from quilt_e2e.operator.auth_check import CheckResult
from quilt_e2e.operator.retention import RUN_ID_RE, AgeError, parse_age


@pytest.mark.parametrize("text, expected", [
    ("90m", dt.timedelta(minutes=90)), ("24h", dt.timedelta(hours=24)), ("7d", dt.timedelta(days=7)),
    (" 2d ", dt.timedelta(days=2)),
])
def test_parse_age(text, expected):
    assert parse_age(text) == expected


@pytest.mark.parametrize("text", ["", "24", "h", "-1d", "0h", "1w", "1.5d", "24 h"])
def test_parse_age_rejects_with_what_to_write(text):
    with pytest.raises(AgeError, match=r"e\.g\. 24h, 7d"):
        parse_age(text)


def test_cleanup_recognises_every_run_id_the_suite_generates():
    """If Settings changes its run id format, cleanup must change with it, or old runs would never go."""
    ids = {load_settings({}, env={}).run_id for _ in range(20)}
    assert all(RUN_ID_RE.match(run_id) for run_id in ids), ids
    assert all(RUN_ID_RE.match(f"{run_id}-w{worker}") for run_id in ids for worker in (0, 1, 12))  # quilt-e2e run


@pytest.mark.parametrize("name", ["test-user", "e2e-other-run-0001", "e2e-20261101-010203-0a0a-extra",
                                  "e2e-20261101-010203-0a0a-w", "e2e-20261101-010203-0A0A",
                                  "x-e2e-20261101-010203-0a0a", "athena-results"])
def test_only_run_namespaces_are_cleanup_candidates(name):
    assert not RUN_ID_RE.match(name)


class PagedCostExplorer:
    """Answers get_cost_and_usage in two pages, as Cost Explorer does for long periods."""

    def __init__(self, pages: list[dict]):
        self.pages = pages
        self.requests: list[dict] = []

    def get_cost_and_usage(self, **request):
        self.requests.append(dict(request))
        return self.pages[len(self.requests) - 1]


def period(day: str, groups: dict[str, str], estimated: bool = False) -> dict:
    metrics = [{"Keys": [k], "Metrics": {"BlendedCost": {"Amount": v, "Unit": "USD"}}} for k, v in groups.items()]
    return {"TimePeriod": {"Start": day}, "Estimated": estimated, "Groups": metrics}


def test_cost_query_follows_pages_and_adds_them_up():
    ce = PagedCostExplorer([
        {"ResultsByTime": [period("2026-12-01", {"S3": "1.25"})], "NextPageToken": "page-2"},
        {"ResultsByTime": [period("2026-12-01", {"Glue": "0.75"}), period("2026-12-02", {"S3": "0.10"}, True)]},
    ])
    report = costs.query(ce, days=2, today=dt.date(2026, 12, 3))

    assert ce.requests[0]["TimePeriod"] == {"Start": "2026-12-01", "End": "2026-12-03"}
    assert ce.requests[0]["Filter"] == {"Tags": {"Key": "Purpose", "Values": ["QuiltMCP-E2E-Testing"]}}
    assert ce.requests[0]["GroupBy"] == [{"Type": "DIMENSION", "Key": "SERVICE"}]
    assert "NextPageToken" not in ce.requests[0] and ce.requests[1]["NextPageToken"] == "page-2"
    assert report.day_total("2026-12-01") == Decimal("2.00")
    assert report.total == Decimal("2.10")
    assert report.by_service() == {"S3": Decimal("1.35"), "Glue": Decimal("0.75")}
    assert report.estimated == {"2026-12-02"}
    lines = costs.render(report, limit=Decimal("1.99"))
    assert "2026-12-01      $2.00 OVER LIMIT  S3 $1.25, Glue $0.75" in lines
    assert "2026-12-02      $0.10 (estimated)  S3 $0.10" in lines


def test_cost_query_without_the_tag_filter():
    ce = PagedCostExplorer([{"ResultsByTime": []}])
    report = costs.query(ce, days=1, today=dt.date(2026, 12, 3), tag_filter=False)
    assert "Filter" not in ce.requests[0]
    assert costs.render(report)[0] == "BlendedCost of the whole account, 2026-12-02 to 2026-12-02 (1 day(s))"


def test_a_passed_check_has_no_fix_line_and_a_failed_one_has():
    assert CheckResult("AWS credentials", True, "arn", fix="never shown").lines() == ["ok    AWS credentials: arn"]
    assert CheckResult("bucket x", False, "not readable (403)", "grant s3:ListBucket").lines() == [
        "FAIL  bucket x: not readable (403)", "      fix: grant s3:ListBucket"]
