"""The exact process a case runs, as the engine is given it."""

from __future__ import annotations

from dataclasses import dataclass

from workflows.calendar.durations import Duration
from workflows.calendar.rules import TimingRules
from workflows.definitions.model import Process


@dataclass(frozen=True, slots=True)
class Definition:
    """The process, pinned by the hash of its YAML text, with its calendar rules; the furthest all extensions
    together may move one deadline (None: no limit); and which roles are held per agency (None: not known, so a
    role is named at the item's agency and the directory decides)."""

    process: Process
    rules: TimingRules
    hash: str
    extension_limit: Duration | None = None
    agency_roles: frozenset[str] | None = None

    def where(self, role: str, agency: str | None) -> str | None:
        """The agency at which `role` is meant for an item at `agency`: that one for a role held per agency, none for
        a partnership-wide one."""
        if self.agency_roles is None or role in self.agency_roles:
            return agency
        return None
