"""A message's audience (engine/parties.py) made addresses, from the directory as it is when the message is sent:
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


def _holders(directory: Directory, party: Party, *, deputies: bool) -> list[str]:
    assert party.role is not None
    return [person.email for person in directory.role_holders(party.role, party.agency, deputies=deputies)]


def resolve(directory: Directory, partnership: PartnershipSettings, audience: Audience) -> Recipients:
    to: list[str] = []
    cc: list[str] = []
    for party in audience.to:
        if party.person:
            to.append(party.person)
        elif party.role is None:
            to.append(partnership.business_unit_email)
        else:
            to += _holders(directory, party, deputies=False)
            cc += _holders(directory, party, deputies=True)
    for party in audience.cc:
        if party.person:
            cc.append(party.person)
        elif party.role is None:
            cc.append(partnership.business_unit_email)
        else:
            cc += _holders(directory, party, deputies=False) + _holders(directory, party, deputies=True)
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
