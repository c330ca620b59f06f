"""A message's audience (engine/parties/) made addresses, from the directory as it is when the message is sent:
each role's holders where the task sits, its deputies copied, named people as named, never lost.

The rules, as docs/messages.md states them: a role in `to` sends to its holders and copies its deputies; a role in
`cc` copies both; a named person gets it as addressed; nobody listed in `never` gets it; if nobody is left to
send it to, the business unit does, with a note saying why. Each address once, `to` before `cc`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from workflows.config.model import PartnershipSettings
from workflows.directory.model import Directory
from workflows.engine.parties import Audience, Party


@dataclass(frozen=True, slots=True)
class Recipients:
    to: list[str]
    cc: list[str] = field(default_factory=list)
    note: str | None = None  # why the business unit got it instead, when nobody holds the role

    def all(self) -> list[str]:
        return list(dict.fromkeys([*self.to, *self.cc]))


def _addresses(directory: Directory, partnership: PartnershipSettings, party: Party) -> tuple[list[str], list[str]]:
    """A party's addresses: its holders (or the person, or the business unit's mailbox), and its deputies."""
    if party.person:
        return [party.person], []
    if party.role is None:
        return [partnership.business_unit_email], []
    holders = directory.role_holders(party.role, party.agency)
    deputies = directory.role_holders(party.role, party.agency, deputies=True)
    return [person.email for person in holders], [person.email for person in deputies]


def resolve(directory: Directory, partnership: PartnershipSettings, audience: Audience) -> Recipients:
    to: list[str] = []
    cc: list[str] = []
    for party in audience.to:
        holders, deputies = _addresses(directory, partnership, party)
        to += holders
        cc += deputies
    for party in audience.cc:
        holders, deputies = _addresses(directory, partnership, party)
        cc += holders + deputies
    never = {person.lower() for person in audience.never}
    held = list(dict.fromkeys(to))
    to = [address for address in held if address.lower() not in never]
    note = None
    if not to:
        named = ", ".join(str(party) for party in audience.to) or "nobody"
        nobody = "nobody else" if held else "nobody"
        note = f"{nobody} holds {named}: sent to the business unit"
        to = [partnership.business_unit_email]
    seen = {address.lower() for address in to} | never
    cc = [address for address in dict.fromkeys(cc) if address.lower() not in seen]
    return Recipients(to, cc, note)
