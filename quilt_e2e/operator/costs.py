"""`quilt-e2e cost-report`: the guide's daily cost report (section 1.5) through Cost Explorer.

One GetCostAndUsage query: daily BlendedCost grouped by service, filtered on the tag every resource of the
template carries (Purpose=QuiltMCP-E2E-Testing; activate it as a cost allocation tag in the Billing console,
or pass --all-resources). Days over the billing alarm's threshold ($10 in the guide) make the exit status 1.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from quilt_e2e.stack.provision import PURPOSE_TAG

METRIC = "BlendedCost"
DAILY_LIMIT = Decimal("10")  # the guide's billing alarm threshold (USD/day)
MONTHLY_ESTIMATE = Decimal("25")  # the guide's cost estimate (section 7.1)


@dataclass
class CostReport:
    start: dt.date
    end: dt.date  # exclusive, as Cost Explorer takes it
    tag_filter: bool
    days: dict[str, dict[str, Decimal]] = field(default_factory=dict)  # date → service → amount
    estimated: set[str] = field(default_factory=set)
    unit: str = "USD"

    def day_total(self, day: str) -> Decimal:
        return sum(self.days[day].values(), Decimal(0))

    @property
    def total(self) -> Decimal:
        return sum((self.day_total(day) for day in self.days), Decimal(0))

    def by_service(self) -> dict[str, Decimal]:
        totals: dict[str, Decimal] = defaultdict(Decimal)
        for services in self.days.values():
            for service, amount in services.items():
                totals[service] += amount
        return dict(sorted(totals.items(), key=lambda item: (-item[1], item[0])))

    def days_over(self, limit: Decimal) -> list[str]:
        return [day for day in sorted(self.days) if self.day_total(day) > limit]


def query(ce, days: int, today: dt.date, tag_filter: bool = True) -> CostReport:
    """The last `days` full days before `today` (Cost Explorer's End is exclusive)."""
    report = CostReport(start=today - dt.timedelta(days=days), end=today, tag_filter=tag_filter)
    request = {
        "TimePeriod": {"Start": report.start.isoformat(), "End": report.end.isoformat()},
        "Granularity": "DAILY",
        "Metrics": [METRIC],
        "GroupBy": [{"Type": "DIMENSION", "Key": "SERVICE"}],
    }
    if tag_filter:
        request["Filter"] = {"Tags": {"Key": PURPOSE_TAG["Key"], "Values": [PURPOSE_TAG["Value"]]}}
    while True:
        response = ce.get_cost_and_usage(**request)
        for period in response.get("ResultsByTime", []):
            day = period["TimePeriod"]["Start"]
            services = report.days.setdefault(day, {})
            if period.get("Estimated"):
                report.estimated.add(day)
            for group in period.get("Groups", []):
                metric = group["Metrics"][METRIC]
                report.unit = metric.get("Unit", report.unit)
                service = group["Keys"][0]
                services[service] = services.get(service, Decimal(0)) + Decimal(metric["Amount"])
            if not period.get("Groups") and METRIC in period.get("Total", {}):
                amount = Decimal(period["Total"][METRIC]["Amount"])
                if amount:
                    services["(no service breakdown)"] = amount
        token = response.get("NextPageToken")
        if not token:
            return report
        request["NextPageToken"] = token


def _money(amount: Decimal, unit: str) -> str:
    value = amount.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return f"${value}" if unit == "USD" else f"{value} {unit}"


def render(report: CostReport, limit: Decimal = DAILY_LIMIT) -> list[str]:
    unit = report.unit
    scope = (f"resources tagged {PURPOSE_TAG['Key']}={PURPOSE_TAG['Value']}" if report.tag_filter
             else "the whole account")
    span = (report.end - report.start).days
    lines = [f"{METRIC} of {scope}, {report.start} to {report.end - dt.timedelta(days=1)} ({span} day(s))"]
    if not report.days:
        lines.append("no cost data for the period (Cost Explorer lags up to 24 h; is the tag activated for "
                     "cost allocation?)")
        return lines
    for day in sorted(report.days):
        services = sorted(report.days[day].items(), key=lambda item: (-item[1], item[0]))
        breakdown = ", ".join(f"{name} {_money(amount, unit)}" for name, amount in services if amount) or "-"
        flag = " OVER LIMIT" if report.day_total(day) > limit else ""
        estimated = " (estimated)" if day in report.estimated else ""
        lines.append(f"{day}  {_money(report.day_total(day), unit):>9}{flag}{estimated}  {breakdown}")
    lines.append("by service:")
    for service, amount in report.by_service().items():
        lines.append(f"  {service:<40} {_money(amount, unit):>9}")
    mean = report.total / len(report.days)
    over = report.days_over(limit)
    lines.append(f"total {_money(report.total, unit)} over {len(report.days)} day(s), mean "
                 f"{_money(mean, unit)}/day; 30-day projection {_money(mean * 30, unit)} "
                 f"(guide estimate {_money(MONTHLY_ESTIMATE, 'USD')}/month)")
    lines.append(f"days over the {_money(limit, unit)}/day alarm threshold: {', '.join(over) if over else 'none'}")
    return lines
