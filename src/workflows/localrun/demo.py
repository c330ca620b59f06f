"""The demonstration cases `workflows up` starts, through the same deployments the business unit uses."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

DEMO_AGENCIES = ["stoke-on-trent-city-council", "staffordshire-police", "university-hospitals-north-midlands"]


@dataclass(frozen=True, slots=True)
class DemoRun:
    deployment: str
    parameters: dict[str, Any]
    description: str


def demo_runs(now: datetime) -> list[DemoRun]:
    """A rapid review, a Joint Agency Response from a child-death event and a Section 11 round. Invented
    identifiers only: no child's details, ever."""
    return [
        DemoRun(
            "start-case/rapid-review",
            {"notification_date": now.date().isoformat(), "agencies": DEMO_AGENCIES},
            "a rapid review",
        ),
        DemoRun(
            "trigger-event/child-death",
            {
                "death_notification_id": "DEMO-1",
                "death_datetime": now.replace(minute=0, second=0, microsecond=0).isoformat(),
                "sudden_unexplained": True,
            },
            "a Joint Agency Response (a child-death event)",
        ),
        DemoRun("start-case/section-11-audit", {}, "a Section 11 audit round"),
    ]
