"""Directory models. Tasks bind to roles, never people: office-holders change."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, model_validator

from workflows.definitions.fields import KEBAB, RoleKey
from workflows.definitions.partnership import RoleScope
from workflows.directory.addresses import check_address

AgencyKey = Annotated[str, StringConstraints(pattern=KEBAB)]
# One bare address (directory/addresses.py): it reaches message headers, so nothing else gets in.
Email = Annotated[str, StringConstraints(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$"), AfterValidator(check_address)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Role(Strict):
    title: str
    scope: RoleScope = RoleScope.PARTNERSHIP
    description: str | None = None


class Agency(Strict):
    name: str
    kind: str
    audits: list[str] = Field(default_factory=list, description="audits that apply, e.g. section-11")


class Holding(Strict):
    role: RoleKey
    agency: AgencyKey | None = None
    deputy: bool = False


class Person(Strict):
    name: str
    email: Email
    holds: list[Holding] = Field(default_factory=list)


class RolesFile(Strict):
    roles: dict[RoleKey, Role]


class AgenciesFile(Strict):
    agencies: dict[AgencyKey, Agency]


class PeopleFile(Strict):
    people: list[Person]

    @model_validator(mode="after")
    def _unique_emails(self) -> PeopleFile:
        seen: set[str] = set()
        for person in self.people:
            if person.email.lower() in seen:
                raise ValueError(f"{person.email} is listed twice")
            seen.add(person.email.lower())
        return self


class Directory:
    """Look-ups over the loaded, cross-checked directory."""

    def __init__(self, roles: dict[str, Role], agencies: dict[str, Agency], people: list[Person]) -> None:
        self.roles = roles
        self.agencies = agencies
        self.people = people

    def audits(self) -> set[str]:
        return {audit for agency in self.agencies.values() for audit in agency.audits}

    def kinds(self) -> set[str]:
        return {agency.kind for agency in self.agencies.values()}

    def select_agencies(self, *, audit: str | None = None, kind: str | None = None) -> list[str]:
        return [
            key
            for key, agency in self.agencies.items()
            if (audit is None or audit in agency.audits) and (kind is None or agency.kind == kind)
        ]

    def roles_of(self, email: str) -> frozenset[str]:
        """Every role `email` holds anywhere, deputies included."""
        wanted = email.strip().lower()
        return frozenset(
            holding.role for person in self.people if person.email.lower() == wanted for holding in person.holds
        )

    def role_holders(self, role: str, agency: str | None, *, deputies: bool = False) -> list[Person]:
        """Holders of `role` where this task sits: at `agency` for agency roles, partnership-wide otherwise."""
        scope = self.roles[role].scope if role in self.roles else RoleScope.PARTNERSHIP
        return self.holders(role, agency if scope is RoleScope.AGENCY else None, deputies=deputies)

    def holders(self, role: str, agency: str | None = None, *, deputies: bool = False) -> list[Person]:
        """People holding `role` (at `agency` for agency-scoped roles); deputies only when asked."""
        return [
            person
            for person in self.people
            for holding in person.holds
            if holding.role == role and holding.agency == agency and holding.deputy == deputies
        ]
