"""The words of the model: a party (holders of a role at an agency, a named person, the business unit), a
message's audience, a person acting (what the directory says they hold) and a verdict on what they ask."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Party:
    """The holders of a role (at `agency`, for a role held per agency), one named person, or, with neither, the
    partnership's business unit (its mailbox)."""

    role: str | None = None
    agency: str | None = None
    person: str | None = None

    def __str__(self) -> str:
        if self.person:
            return self.person
        if self.role:
            return self.role + (f" at {self.agency}" if self.agency else "")
        return "the business unit"

    def as_json(self) -> dict[str, str]:
        given = (("role", self.role), ("agency", self.agency), ("person", self.person))
        return {name: value for name, value in given if value}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Party:
        return cls(data.get("role"), data.get("agency"), data.get("person"))


BUSINESS_UNIT = Party()


@dataclass(frozen=True, slots=True)
class Audience:
    """Who one message goes to: `to` (each role's deputies copied), `cc`, and people it must never reach."""

    to: tuple[Party, ...]
    cc: tuple[Party, ...] = ()
    never: tuple[str, ...] = ()

    def as_json(self) -> dict[str, Any]:
        return {
            "to": [party.as_json() for party in self.to],
            "cc": [party.as_json() for party in self.cc],
            "never": list(self.never),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Audience:
        return cls(
            tuple(Party.from_json(party) for party in data.get("to", ())),
            tuple(Party.from_json(party) for party in data.get("cc", ())),
            tuple(data.get("never", ())),
        )

    def replacing(self, replaced: Iterable[Party], by: tuple[Party, ...]) -> Audience:
        """The same audience with `replaced` parties swapped for `by` (a reassignment reaching queued messages)."""
        gone = set(replaced)

        def swap(parties: tuple[Party, ...]) -> tuple[Party, ...]:
            if not gone.intersection(parties):
                return parties
            kept = [party for party in parties if party not in gone]
            return tuple(dict.fromkeys([*kept, *by]))

        return Audience(swap(self.to), swap(self.cc), self.never)


@dataclass(frozen=True, slots=True)
class Addressed:
    """One message of a notice: its audience, the role it speaks to and the owner's (for its text and listings),
    and what its key adds to tell it from the notice's other messages."""

    audience: Audience
    role: str | None
    copy_role: str | None = None
    key_suffix: str = ""


@dataclass(frozen=True, slots=True)
class Actor:
    """A person acting, with what the directory says they hold: (role, agency) pairs, the agency None for a role
    held partnership-wide; `business_unit` when they hold a business unit role or are its mailbox."""

    email: str
    holds: frozenset[tuple[str, str | None]] = frozenset()
    business_unit: bool = False

    def is_one_of(self, parties: Iterable[Party]) -> bool:
        return any(self.is_(party) for party in parties)

    def is_(self, party: Party) -> bool:
        if party.person:
            return party.person.lower() == self.email.lower()
        if party.role is None:
            return self.business_unit
        return (party.role, party.agency) in self.holds or (party.role, None) in self.holds


@dataclass(frozen=True, slots=True)
class Verdict:
    """Whether an actor may do something; why not, in words for them; whose part the business unit played."""

    allowed: bool
    reason: str = ""
    on_behalf_of: str | None = None
