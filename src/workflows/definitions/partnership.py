"""What the language's checks know of the partnership a definition runs in: its roles (and how each is held), the
audits and kinds of its agencies, its calendars.

The checks read the partnership through these protocols, not through config: config sits above the language (it
loads the language's types), and `config.loader.Config` satisfies `Partnership` as it is.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Protocol


class RoleScope(StrEnum):
    """How a role is held. Part of the language: a stage owned by a role held per agency must name its agency."""

    PARTNERSHIP = "partnership"  # one office for the whole partnership
    AGENCY = "agency"  # held separately in each agency


class KnownRole(Protocol):
    @property
    def scope(self) -> RoleScope: ...


class KnownDirectory(Protocol):
    """The directory as the checks read it: roles by key; the audits and kinds its agencies have."""

    @property
    def roles(self) -> Mapping[str, KnownRole]: ...

    def audits(self) -> set[str]: ...

    def kinds(self) -> set[str]: ...


class Partnership(Protocol):
    """What a definition is checked against: the partnership's directory and the names of its calendars."""

    @property
    def directory(self) -> KnownDirectory: ...

    def calendar_names(self) -> set[str]: ...
