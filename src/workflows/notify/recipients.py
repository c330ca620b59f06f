"""Who a queued message goes to: role holders at the right agency, deputies copied, never lost."""

from __future__ import annotations

from dataclasses import dataclass, field

from workflows.config.model import PartnershipSettings
from workflows.directory.model import Directory


@dataclass(frozen=True, slots=True)
class Recipients:
    to: list[str]
    cc: list[str] = field(default_factory=list)
    note: str | None = None  # why the business unit got it instead, when nobody holds the role

    def all(self) -> list[str]:
        return list(dict.fromkeys([*self.to, *self.cc]))


def _holders(directory: Directory, role: str, agency: str | None, *, deputies: bool) -> list[str]:
    return [person.email for person in directory.role_holders(role, agency, deputies=deputies)]


def resolve(
    directory: Directory,
    partnership: PartnershipSettings,
    *,
    role: str | None,
    agency: str | None,
    assignee: str | None,
    copy_role: str | None,
) -> Recipients:
    if assignee:
        to, cc = [assignee], []
    elif role is None:
        to, cc = [partnership.business_unit_email], []
    else:
        to = _holders(directory, role, agency, deputies=False)
        cc = _holders(directory, role, agency, deputies=True)
    if copy_role:
        cc += _holders(directory, copy_role, agency, deputies=False)
    note = None
    if not to:
        where = f" at {agency}" if agency else ""
        note = f"nobody holds {role}{where}: sent to the business unit"
        to = [partnership.business_unit_email]
    cc = [address for address in dict.fromkeys(cc) if address not in to]
    return Recipients(to, cc, note)
