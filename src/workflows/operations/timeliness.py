"""The partnership's timeliness figures for a period: per process and stage, per agency, per audit round.

Read from each case's own state (its dates as they stood, its pinned definition's deadlines) and the audit
trail's escalations and extensions. What each figure means is written for readers in README.md ("Reporting").
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

from workflows import clock
from workflows.calendar.london import to_london
from workflows.calendar.working_days import WorkingDayCalendar
from workflows.config.loader import Config
from workflows.definitions.model import FactType, Process
from workflows.engine.machine import Definition
from workflows.engine.state import CaseState, CaseStatus, ItemState, ItemStatus, Pause, StageState
from workflows.engine.vocabulary import AuditAction
from workflows.operations.errors import InvalidInput
from workflows.operations.report_period import ReportingPeriod
from workflows.operations.runtime import Runtime
from workflows.store.report_sources import AuditMark, escalations_and_extensions, stream_cases_open_in
from workflows.yamlsource.suggestions import did_you_mean

_LEVEL = re.compile(r"level (\d+)")


@dataclass
class StageTally:
    process_id: str
    stage_id: str
    title: str
    completed: int = 0
    within: int = 0  # completed by the deadline as it stood (pauses and approved extensions moved it)
    working_days: list[int] = field(default_factory=list)  # taken by each stage completed, paused days left out
    overdue_now: int = 0  # open items past their deadline in running cases
    escalations: Counter[int] = field(default_factory=Counter)  # level -> escalations reaching it in the period
    extensions: int = 0
    paused_working_days: int = 0  # of the stages completed, while their case was paused
    paused_items: int = 0  # how many of those were paused at all


@dataclass
class ProcessTally:
    process_id: str
    title: str
    started: int = 0
    closed: int = 0
    case_working_days: list[int] = field(default_factory=list)  # start to close of cases closed, paused days out
    overdue_now: int = 0
    escalations: Counter[int] = field(default_factory=Counter)
    extensions: int = 0
    paused_working_days: int = 0  # cases' paused working days inside the period
    paused_cases: int = 0
    stages: dict[str, StageTally] = field(default_factory=dict)
    monthly: dict[date, list[int]] = field(default_factory=dict)  # month's first day -> [completed, within]

    @property
    def completed(self) -> int:
        return sum(stage.completed for stage in self.stages.values())

    @property
    def within(self) -> int:
        return sum(stage.within for stage in self.stages.values())

    def stage(self, stage_id: str, process: Process) -> StageTally:
        found = self.stages.get(stage_id)
        if found is None:
            stage_def = process.stages.get(stage_id)
            title = stage_def.title if stage_def else stage_id
            found = self.stages[stage_id] = StageTally(self.process_id, stage_id, title)
        return found


@dataclass
class AgencyTally:
    agency_id: str
    name: str
    tasks: int = 0  # its items that opened in the period
    completed: int = 0
    within: int = 0
    overdue_now: int = 0
    escalations_received: int = 0


class ReturnStatus(StrEnum):
    ON_TIME = "returned on time"
    LATE = "returned late"
    OUTSTANDING = "outstanding"
    OVERDUE = "outstanding, overdue"
    NOT_OPEN = "not yet asked for"
    NOT_NEEDED = "not needed"


@dataclass(frozen=True, slots=True)
class AuditReturn:
    """One agency's (or school's) return in an audit round: a task of a stage that fans out over agencies."""

    round_reference: str
    stage_id: str
    stage_title: str
    agency_id: str
    agency_name: str
    due_at: datetime | None
    returned_at: datetime | None
    status: ReturnStatus


@dataclass
class AuditRound:
    reference: str
    process_id: str
    process_title: str
    started_at: datetime
    state: str
    returns: list[AuditReturn] = field(default_factory=list)

    def count(self, status: ReturnStatus) -> int:
        return sum(1 for found in self.returns if found.status is status)


@dataclass
class TimelinessReport:
    partnership: str
    period: ReportingPeriod
    generated_at: datetime
    process_filter: str | None
    processes: list[ProcessTally]
    agencies: list[AgencyTally]
    audit_rounds: list[AuditRound]


def timeliness_report(
    runtime: Runtime, period: ReportingPeriod, process_id: str | None = None, now: datetime | None = None
) -> TimelinessReport:
    """The figures for `period` (and what is overdue at `now`), for one process or all."""
    now = now or clock.now()
    if process_id is not None and process_id not in runtime.library.processes:
        known = runtime.library.processes
        raise InvalidInput(f"no process {process_id!r}{did_you_mean(process_id, known)}", field="process")
    tallies = _Tallies(runtime.config, period, now)
    for process in runtime.library.processes.values():
        if process_id in (None, process.id):
            tallies.process(process)  # every process gets its rows, with nothing to count too
    with runtime.db.connect() as connection:
        marks: dict[int, list[AuditMark]] = defaultdict(list)
        for mark in escalations_and_extensions(connection, period.start, period.end, process_id):
            marks[mark.case_id].append(mark)
        for case_id, state in stream_cases_open_in(connection, period.start, period.end, process_id):
            definition = runtime.pinned(connection, state.definition_hash)
            tallies.add_case(state, definition, marks.get(case_id, ()))
    return TimelinessReport(
        partnership=runtime.config.partnership.name,
        period=period,
        generated_at=now,
        process_filter=process_id,
        processes=list(tallies.processes.values()),
        agencies=sorted(tallies.agencies.values(), key=lambda agency: agency.name.lower()),
        audit_rounds=tallies.audit_rounds,
    )


def _working_days(calendar: WorkingDayCalendar, start: datetime, end: datetime) -> int:
    return calendar.working_days_between(to_london(start).date(), to_london(end).date())


def paused_working_days(
    calendar: WorkingDayCalendar, pauses: Iterable[Pause], start: datetime, end: datetime, now: datetime
) -> int:
    """Working days of the case's pauses that fall between `start` and `end` (a pause still on runs to now)."""
    total = 0
    for pause in pauses:
        paused_from, paused_to = max(pause.started_at, start), min(pause.ended_at or now, end)
        if paused_to > paused_from:
            total += _working_days(calendar, paused_from, paused_to)
    return total


def on_time(item: ItemState) -> bool:
    """Done by its deadline as it stood when done: its pinned definition's, moved by pauses and approved
    extensions (a task done before an extension keeps the deadline it was done against)."""
    return item.due_at is None or (item.finished_at is not None and item.finished_at <= item.due_at)


def _agency_list_stages(process: Process) -> list[str]:
    """In a recurring audit, the stages fanning out one task per agency: each task is that agency's return."""
    if process.recurs is None:
        return []
    return [
        stage_id
        for stage_id, stage in process.stages.items()
        if stage.for_each and (fact := process.facts.get(stage.for_each)) and fact.type is FactType.AGENCY_LIST
    ]


class _Tallies:
    def __init__(self, config: Config, period: ReportingPeriod, now: datetime) -> None:
        self.config = config
        self.period = period
        self.now = now
        self.processes: dict[str, ProcessTally] = {}
        self.agencies: dict[str, AgencyTally] = {}
        self.audit_rounds: list[AuditRound] = []

    def process(self, process: Process) -> ProcessTally:
        found = self.processes.get(process.id)
        if found is None:
            found = self.processes[process.id] = ProcessTally(process.id, process.title)
            for stage_id in process.stages:
                found.stage(stage_id, process)
        return found

    def agency(self, agency_id: str) -> AgencyTally:
        found = self.agencies.get(agency_id)
        if found is None:
            found = self.agencies[agency_id] = AgencyTally(agency_id, self.agency_name(agency_id))
        return found

    def add_case(self, state: CaseState, definition: Definition, marks: Iterable[AuditMark]) -> None:
        process, calendar, period = definition.process, definition.rules.calendar, self.period
        tally = self.process(process)
        if period.holds(state.started_at):
            tally.started += 1
        if state.status is CaseStatus.CLOSED and period.holds(state.closed_at):
            tally.closed += 1
            taken = _working_days(calendar, state.started_at, state.closed_at)  # type: ignore[arg-type]
            paused = paused_working_days(calendar, state.pauses, state.started_at, state.closed_at, self.now)  # type: ignore[arg-type]
            tally.case_working_days.append(max(0, taken - paused))
        paused_in_period = paused_working_days(calendar, state.pauses, period.start, period.end, self.now)
        if paused_in_period:
            tally.paused_working_days += paused_in_period
            tally.paused_cases += 1
        for stage_id, stage in state.stages.items():
            self._add_stage(state, tally, tally.stage(stage_id, process), stage, calendar)
        for mark in marks:
            self._add_mark(state, tally, process, mark)
        if _agency_list_stages(process) and state.started_at < period.end:
            self.audit_rounds.append(self._audit_round(state, process))

    def _add_stage(
        self,
        state: CaseState,
        tally: ProcessTally,
        stage_tally: StageTally,
        stage: StageState,
        calendar: WorkingDayCalendar,
    ) -> None:
        period = self.period
        if stage.status is ItemStatus.DONE and period.holds(stage.finished_at) and stage.opened_at is not None:
            finished: datetime = stage.finished_at  # type: ignore[assignment]
            within = on_time(stage)
            stage_tally.completed += 1
            stage_tally.within += within
            paused = paused_working_days(calendar, state.pauses, stage.opened_at, finished, self.now)
            stage_tally.working_days.append(max(0, _working_days(calendar, stage.opened_at, finished) - paused))
            if paused:
                stage_tally.paused_working_days += paused
                stage_tally.paused_items += 1
            month = to_london(finished).date().replace(day=1)
            counts = tally.monthly.setdefault(month, [0, 0])
            counts[0] += 1
            counts[1] += within
        items = list(stage.tasks.items()) or [(stage.agency, stage)]
        for agency_id, item in items:
            overdue = (
                state.status is CaseStatus.OPEN
                and item.status is ItemStatus.OPEN
                and item.due_at is not None
                and item.due_at < self.now
            )
            stage_tally.overdue_now += overdue
            tally.overdue_now += overdue
            if agency_id is None:
                continue
            agency = self.agency(agency_id)
            agency.tasks += period.holds(stage.opened_at)
            agency.overdue_now += overdue
            if item.status is ItemStatus.DONE and period.holds(item.finished_at):
                agency.completed += 1
                agency.within += on_time(item)

    def _add_mark(self, state: CaseState, tally: ProcessTally, process: Process, mark: AuditMark) -> None:
        stage_tally = tally.stage(mark.stage, process) if mark.stage else None
        if mark.action is AuditAction.EXTENDED:
            tally.extensions += 1
            if stage_tally:
                stage_tally.extensions += 1
            return
        found = _LEVEL.match(mark.detail)
        if not found:
            return
        level = int(found[1])
        tally.escalations[level] += 1
        if stage_tally:
            stage_tally.escalations[level] += 1
        stage = state.stages.get(mark.stage or "")
        agency_id = mark.task if stage is not None and stage.tasks else (stage.agency if stage else None)
        if agency_id:
            self.agency(agency_id).escalations_received += 1

    def _audit_round(self, state: CaseState, process: Process) -> AuditRound:
        found = AuditRound(state.reference, process.id, process.title, state.started_at, state.status.value)
        for stage_id in _agency_list_stages(process):
            stage = state.stages.get(stage_id)
            if stage is None:
                continue
            title = process.stages[stage_id].title
            for agency_id, task in stage.tasks.items():
                found.returns.append(
                    AuditReturn(
                        round_reference=state.reference,
                        stage_id=stage_id,
                        stage_title=title,
                        agency_id=agency_id,
                        agency_name=self.agency_name(agency_id),
                        due_at=task.due_at,
                        returned_at=task.finished_at if task.status is ItemStatus.DONE else None,
                        status=self._return_status(state, task),
                    )
                )
        return found

    def agency_name(self, agency_id: str) -> str:
        known = self.config.directory.agencies.get(agency_id)
        return known.name if known else agency_id

    def _return_status(self, state: CaseState, task: ItemState) -> ReturnStatus:
        if task.status is ItemStatus.DONE:
            return ReturnStatus.ON_TIME if on_time(task) else ReturnStatus.LATE
        if task.status is ItemStatus.OPEN and state.status in (CaseStatus.OPEN, CaseStatus.PAUSED):
            overdue = task.due_at is not None and task.due_at < self.now and state.status is CaseStatus.OPEN
            return ReturnStatus.OVERDUE if overdue else ReturnStatus.OUTSTANDING
        if task.status is ItemStatus.WAITING:
            return ReturnStatus.NOT_OPEN
        return ReturnStatus.NOT_NEEDED
