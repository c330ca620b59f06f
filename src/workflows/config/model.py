"""Settings files: `partnership.yaml` and `calendar.yaml`."""

from __future__ import annotations

from datetime import date, time

from pydantic import BaseModel, ConfigDict, Field, model_validator

from workflows.calendar.durations import Duration, Unit
from workflows.definitions.fields import DurationField
from workflows.directory.model import Email

# Twenty working days: four weeks more than a deadline allowed, the most a partnership that says nothing grants.
DEFAULT_EXTENSION_LIMIT = Duration(20, Unit.WORKING_DAYS)


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ReportingSettings(Strict):
    """`workflows report` and the DSPs' charts."""

    year_starts_month: int = Field(
        default=4, ge=1, le=12, description="the month the partnership's reporting year starts (4: April to March)"
    )
    suppress_below: int = Field(
        default=5,
        ge=1,
        le=1000,
        description="--public shows a count below this as 'fewer than N' and withholds rates built on it",
    )


class PartnershipSettings(Strict):
    name: str
    sender: Email = Field(description="the address messages come from")
    business_unit_email: Email
    web_base_url: str = Field(
        default="http://127.0.0.1:8000", description="where practitioners' links point (workflows web)"
    )
    digest_roles: list[str] = Field(
        default_factory=list, description="roles sent the daily digest of overdue and at-risk items"
    )
    business_unit_roles: list[str] = Field(
        default_factory=list,
        description=(
            "roles of the business unit: their holders may act on any task, recorded as on behalf of its holders"
        ),
    )
    extension_limit: DurationField = Field(
        default=DEFAULT_EXTENSION_LIMIT,
        description="how far all approved extensions together may move one deadline, unless a process says otherwise",
    )
    reporting: ReportingSettings = Field(default_factory=ReportingSettings)


class WorkingHours(Strict):
    start: time = time(9, 0)
    end: time = time(17, 30)

    @model_validator(mode="after")
    def _ordered(self) -> WorkingHours:
        if self.end <= self.start:
            raise ValueError("working hours must end after they start")
        return self


class NamedCalendar(Strict):
    description: str | None = None
    closures: dict[date, str] = Field(default_factory=dict, description="local closure days and why")
    day_ends_at: time | None = Field(default=None, description="this calendar's cut-off; absent: the top-level one")
    working_hours: WorkingHours | None = Field(
        default=None, description="when this calendar's messages go out; absent: the top-level working_hours"
    )


class NationalBankHolidays(Strict):
    added: dict[date, str] = Field(
        default_factory=dict, description="bank holidays declared since the holidays package was locked, with names"
    )
    moved: dict[date, date] = Field(
        default_factory=dict, description="a bank holiday moved to another day: its usual day -> the day it is on"
    )


class CalendarSettings(Strict):
    default_calendar: str = Field(
        default="england-and-wales",
        description="the calendar of a process that names none, and of the daily digest",
    )
    day_ends_at: time = Field(default=time(23, 59, 59), description="when a day-unit deadline passes")
    working_hours: WorkingHours = Field(default_factory=WorkingHours)
    at_risk_within: DurationField = Field(default=Duration(2, Unit.WORKING_DAYS))
    calendars: dict[str, NamedCalendar] = Field(default_factory=dict)
    bank_holidays: NationalBankHolidays = Field(
        default_factory=NationalBankHolidays,
        description="England & Wales bank holidays added or moved since the package: every calendar counts them out",
    )
