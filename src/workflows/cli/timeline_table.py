"""The readable form of a projected timeline."""

from __future__ import annotations

from workflows.calendar.rules import TimingRules
from workflows.directory.model import Role
from workflows.engine.schedule.simulation import Projection


def timeline_table(projection: Projection, rules: TimingRules, roles: dict[str, Role]) -> str:
    process = projection.process
    start_day = projection.started.date()
    lines = [
        f"{process.title} ({process.id} v{process.version}): simulated from {projection.started:%a %d %b %Y %H:%M}",
        f"calendar {rules.calendar.name}, counting {rules.counting.value}; each stage done on its due date"
        " unless --late says otherwise",
    ]
    for name, value in projection.assumed.items():
        lines.append(f"assumed {name} = {value.isoformat()} (not given with --fact)")
    for stage_id, option in projection.decisions.items():
        lines.append(f"decision {stage_id}: {option}")
    lines.append("")
    titles = {stage_id: stage.title for stage_id, stage in process.stages.items()}
    width = max(len(title) for title in [*titles.values(), "(case opened)"])
    header = f"{'when':<22} {'day':>4}  {'kind':<10} {'stage':<{width}} to"
    lines += [header, "-" * len(header)]
    for event in projection.events:
        day = rules.calendar.working_days_between(start_day, event.at.date())
        stage = titles[event.stage] if event.stage else "(case opened)"
        to = roles[event.to].title if event.to in roles else (event.to or "")
        lines.append(f"{event.at:%a %d %b %Y %H:%M}  {day:>4}  {event.kind:<10} {stage:<{width}} {to}".rstrip())
    lines.append("")
    lines.append("day = working days since the start; reminders go out at the start of the working day.")
    return "\n".join(lines)
