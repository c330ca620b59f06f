"""The table of docs/messages.md ("Who is told, and who may act"), written again from the docs alone and in terms of
people, as the tests' oracle: it shares no code with engine/parties/ or notify/recipients.py, so a test that
compares the two catches a change to either that the other does not make."""

from __future__ import annotations

from dataclasses import dataclass

from workflows.engine.state import CaseState, ExtensionRequest, ItemStatus, Slot

# The words of the table: who gets a notice of each kind, and who may do each thing.
HOLDER_NOTICES = {
    "task-assigned",
    "decision-needed",
    "audit-round-opened",
    "reminder",
    "due-today",
    "overdue",
    "deadline-moved",
    "extension-approved",
}


@dataclass(frozen=True)
class People:
    """Holders of a role where an item sits, and their deputies."""

    holders: frozenset[str]
    deputies: frozenset[str]

    @property
    def everyone(self) -> frozenset[str]:
        return self.holders | self.deputies


class Oracle:
    def __init__(self, config, process) -> None:
        self.config, self.process = config, process
        self.directory = config.directory
        self.business_unit_email = config.partnership.business_unit_email.lower()
        self.business_unit_roles = set(config.partnership.business_unit_roles)

    # -- the people of an item ---------------------------------------------------------------------------------

    def role(self, role: str, agency: str | None) -> People:
        held_per_agency = self.directory.roles[role].scope == "agency"
        where = agency if held_per_agency else None
        holders, deputies = set(), set()
        for person in self.directory.people:
            for holding in person.holds:
                if holding.role == role and holding.agency == where:
                    (deputies if holding.deputy else holders).add(person.email.lower())
        return People(frozenset(holders), frozenset(deputies))

    def agency_of(self, state: CaseState, slot: Slot) -> str | None:
        stage = self.process.stages[slot.stage]
        if stage.for_each:
            return slot.task
        return state.facts.get(stage.agency) if stage.agency else None

    def task_holders(self, state: CaseState, slot: Slot) -> People:
        """After a reassignment: the person named, alone. Before: the owner role where the item sits."""
        assignee = state.item(slot).assignee
        if assignee:
            return People(frozenset({assignee.lower()}), frozenset())
        return self.role(self.process.stages[slot.stage].owner, self.agency_of(state, slot))

    def involved(self, state: CaseState, slot: Slot) -> list[People]:
        return [
            self.role(party.role, state.facts.get(party.agency) if party.agency else None)
            for party in self.process.stages[slot.stage].involves
        ]

    def ladder(self, state: CaseState, slot: Slot, level: int) -> People:
        step = self.process.stages[slot.stage].escalation[level - 1]
        return self.role(step.notify, self.agency_of(state, slot))

    def approvers(self) -> People:
        approver = self.process.extension_approver
        return self.role(approver, None) if approver else People(frozenset(), frozenset())

    def speaks_for_the_business_unit(self, email: str) -> bool:
        email = email.lower()
        if email == self.business_unit_email:
            return True
        return any(
            holding.role in self.business_unit_roles
            for person in self.directory.people
            if person.email.lower() == email
            for holding in person.holds
        )

    # -- who is told ---------------------------------------------------------------------------------------------

    def _addressed(self, to: frozenset[str], cc: frozenset[str], never: frozenset[str] = frozenset()) -> set[str]:
        """One message: its `to`, or the business unit when nobody is left there; its copies."""
        kept = to - never
        return set(kept or {self.business_unit_email}) | (cc - never)

    def told(
        self,
        kind: str,
        state: CaseState,
        slot: Slot,
        *,
        level: int = 0,
        request: ExtensionRequest | None = None,
        holders: bool = True,
    ) -> set[str]:
        """Everyone who gets a notice of `kind` about `slot` (each of its messages together); `holders=False`: as if
        the task had no holders, so only its other parties (and the business unit, where they are nobody)."""
        holders_ = self.task_holders(state, slot) if holders else People(frozenset(), frozenset())
        return self._told(kind, state, slot, level, request, holders_)

    def _told(
        self, kind: str, state: CaseState, slot: Slot, level: int, request: ExtensionRequest | None, holders: People
    ) -> set[str]:
        involved = self.involved(state, slot)
        if kind in HOLDER_NOTICES:
            asked = frozenset({request.requested_by.lower()}) if request is not None else frozenset()
            everyone = self._addressed(holders.holders, holders.deputies | asked)
            for party in involved:
                everyone |= self._addressed(party.holders, party.deputies)
            return everyone
        if kind == "escalation":
            step = self.ladder(state, slot, level)
            copies = holders.everyone.union(*(party.everyone for party in involved))
            return self._addressed(step.holders, step.deputies | copies)
        if kind == "extension-requested":
            assert request is not None
            never = frozenset() if self.process.extension_self_approval else frozenset({request.requested_by.lower()})
            approvers = self.approvers()
            return self._addressed(approvers.holders, approvers.deputies, never)
        if kind == "extension-refused":
            assert request is not None
            return self._addressed(frozenset({request.requested_by.lower()}), holders.everyone)
        raise AssertionError(f"the table has no row for {kind}")

    # -- who may act ---------------------------------------------------------------------------------------------

    def may(
        self, action: str, state: CaseState, slot: Slot, email: str, request: ExtensionRequest | None = None
    ) -> tuple[bool, bool]:
        """(allowed, only because they speak for the business unit) for `email` doing `action` about `slot`."""
        email = email.lower()
        holders = self.task_holders(state, slot)
        item = state.item(slot)
        reached = [self.ladder(state, slot, level) for level in range(1, item.escalation_level + 1)]
        if action == "answer":
            assert request is not None
            own = email == request.requested_by.lower() and not self.process.extension_self_approval
            return email in self.approvers().everyone and not own, False
        if action == "finish":
            others = [*self.involved(state, slot), *reached]
            entitled = holders.everyone.union(*(party.everyone for party in others))
        elif action == "ask":
            if self.process.extension_approver is None:
                return False, False
            whole_fanned_stage = slot.task is None and bool(state.stages[slot.stage].tasks)
            entitled = frozenset() if whole_fanned_stage else holders.everyone
        elif action == "acknowledge":
            entitled = frozenset().union(*(p.everyone for p in reached))
        else:
            raise AssertionError(f"the table has no row for {action}")
        if email in entitled:
            return True, False
        if self.speaks_for_the_business_unit(email):
            return True, True
        return False, False

    def may_open(self, state: CaseState, slot: Slot, email: str) -> bool:
        return any(self.may(action, state, slot, email)[0] for action in ("finish", "ask", "acknowledge"))


def open_slots(state: CaseState) -> list[Slot]:
    return [slot for slot, item in state.items() if item.status is ItemStatus.OPEN]
