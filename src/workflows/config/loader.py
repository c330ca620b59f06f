"""Load and cross-check everything under `config/`, reporting every problem at once."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import datetime, time
from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from workflows.calendar.bank_holiday_changes import BankHolidayChanges, change_problems
from workflows.calendar.london import to_london
from workflows.calendar.rules import TimingRules
from workflows.calendar.working_days import WorkingDayCalendar, usual_bank_holidays
from workflows.config.locations import locate_config_dir
from workflows.config.model import CalendarSettings, PartnershipSettings, WorkingHours
from workflows.definitions.model import Process
from workflows.definitions.partnership import RoleScope
from workflows.directory.model import AgenciesFile, Directory, PeopleFile, RolesFile
from workflows.yamlsource import (
    Located,
    Problem,
    YamlSourceError,
    load_located,
    problems_from_validation_error,
)

BUILT_IN_CALENDAR = "england-and-wales"
# Where the links in messages point, when it is not config/partnership.yaml's web_base_url (the main job sets
# it to the port its task pages run on).
WEB_BASE_URL_VARIABLE = "WORKFLOWS_WEB_BASE_URL"
# The repository's own config/ and processes/, used when the working directory has none.

Model = TypeVar("Model", bound=BaseModel)


@dataclass
class Config:
    folder: Path
    partnership: PartnershipSettings
    calendar_settings: CalendarSettings
    directory: Directory
    _calendars: dict[str, WorkingDayCalendar] = field(default_factory=dict)

    def calendar_names(self) -> set[str]:
        return {BUILT_IN_CALENDAR, *self.calendar_settings.calendars}

    @property
    def default_calendar(self) -> str:
        return self.calendar_settings.default_calendar

    def calendar_of(self, process: Process) -> str:
        """The calendar governing a process's dates, sending hours and digests."""
        return process.calendar or self.default_calendar

    def working_hours(self, calendar_name: str) -> WorkingHours:
        named = self.calendar_settings.calendars.get(calendar_name)
        return (named.working_hours if named else None) or self.calendar_settings.working_hours

    def in_working_hours(self, calendar_name: str, moment: datetime) -> bool:
        """Whether `moment` falls on one of the calendar's working days, within its working hours (London time):
        when its ordinary messages may go out, and when the daily digest is built."""
        local = to_london(moment)
        hours = self.working_hours(calendar_name)
        return self.calendar(calendar_name).is_working_day(local.date()) and hours.start <= local.time() < hours.end

    def day_ends_at(self, calendar_name: str) -> time:
        named = self.calendar_settings.calendars.get(calendar_name)
        return (named.day_ends_at if named else None) or self.calendar_settings.day_ends_at

    def timing_rules(self, process: Process) -> TimingRules:
        name = self.calendar_of(process)
        return TimingRules(
            calendar=self.calendar(name),
            counting=process.counting,
            day_starts_at=self.working_hours(name).start,
            day_ends_at=self.day_ends_at(name),
        )

    def calendar(self, name: str) -> WorkingDayCalendar:
        if name not in self._calendars:
            national = national_changes(self.calendar_settings)
            if name == BUILT_IN_CALENDAR:
                self._calendars[name] = WorkingDayCalendar(name, national=national)
            else:
                closures = self.calendar_settings.calendars[name].closures
                self._calendars[name] = WorkingDayCalendar(name, closures, national)
        return self._calendars[name]


def national_changes(settings: CalendarSettings) -> BankHolidayChanges:
    return BankHolidayChanges(settings.bank_holidays.added, settings.bank_holidays.moved)


def _check_bank_holidays(calendar: CalendarSettings, located: Located) -> list[Problem]:
    """Each added or moved bank holiday that cannot be one, at its key."""
    written = (located.data or {}).get("bank_holidays") or {}
    problems = []
    for (section, day), message in change_problems(national_changes(calendar), usual_bank_holidays):
        # The key as the file has it: a date, or the same date quoted.
        keys = [key for key in (written.get(section) or {}) if str(key) == day.isoformat()] or [day]
        problems.append(located.problem(("bank_holidays", section, keys[0]), message, key=True))
    return problems


def _load_model(path: Path, model: type[Model], problems: list[Problem]) -> tuple[Model | None, Located | None]:
    if not path.is_file():
        problems.append(Problem(str(path), 1, 1, "file is missing"))
        return None, None
    try:
        located = load_located(path)
    except YamlSourceError as error:
        problems.extend(error.problems)
        return None, None
    try:
        return model.model_validate(located.data if located.data is not None else {}), located
    except ValidationError as error:
        problems.extend(problems_from_validation_error(located, error, model))
        return None, located


def _check_people(people: PeopleFile, located: Located, roles: RolesFile, agencies: AgenciesFile) -> list[Problem]:
    problems = []
    for index, person in enumerate(people.people):
        for number, holding in enumerate(person.holds):
            where = ("people", index, "holds", number)
            role = roles.roles.get(holding.role)
            if role is None:
                problems.append(located.problem((*where, "role"), f"unknown role {holding.role!r}"))
                continue
            if role.scope is RoleScope.AGENCY and holding.agency is None:
                problems.append(located.problem(where, f"role {holding.role!r} is held per agency: say which 'agency'"))
            if role.scope is RoleScope.PARTNERSHIP and holding.agency is not None:
                problems.append(
                    located.problem((*where, "agency"), f"role {holding.role!r} is partnership-wide: remove 'agency'")
                )
            if holding.agency is not None and holding.agency not in agencies.agencies:
                problems.append(located.problem((*where, "agency"), f"unknown agency {holding.agency!r}"))
    return problems


def load_config(folder: Path | str | None = None) -> Config:
    """Load `config/`; raise YamlSourceError listing every problem in every file."""
    folder = Path(folder) if folder is not None else locate_config_dir()
    problems: list[Problem] = []
    partnership, partnership_located = _load_model(folder / "partnership.yaml", PartnershipSettings, problems)
    calendar, calendar_located = _load_model(folder / "calendar.yaml", CalendarSettings, problems)
    roles, _ = _load_model(folder / "roles.yaml", RolesFile, problems)
    agencies, _ = _load_model(folder / "agencies.yaml", AgenciesFile, problems)
    people, people_located = _load_model(folder / "people.yaml", PeopleFile, problems)
    if people and people_located and roles and agencies:
        problems.extend(_check_people(people, people_located, roles, agencies))
    if calendar and calendar_located and calendar.default_calendar not in {BUILT_IN_CALENDAR, *calendar.calendars}:
        known = ", ".join(sorted({BUILT_IN_CALENDAR, *calendar.calendars}))
        problems.append(
            calendar_located.problem(
                ("default_calendar",), f"unknown calendar {calendar.default_calendar!r}: use one of {known}"
            )
        )
    if calendar and calendar_located:
        problems.extend(_check_bank_holidays(calendar, calendar_located))
    if partnership and partnership_located and roles:
        for setting in ("digest_roles", "business_unit_roles"):
            for index, role in enumerate(getattr(partnership, setting)):
                if role not in roles.roles:
                    problems.append(partnership_located.problem((setting, index), f"unknown role {role!r}"))
    if problems or not (partnership and calendar and roles and agencies and people):
        raise YamlSourceError(problems)
    if os.environ.get(WEB_BASE_URL_VARIABLE):
        partnership = partnership.model_copy(update={"web_base_url": os.environ[WEB_BASE_URL_VARIABLE]})
    directory = Directory(roles.roles, agencies.agencies, people.people)
    return Config(folder, partnership, calendar, directory)
