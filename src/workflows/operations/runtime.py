"""What every operation needs: config, the process library, the database, pinned definitions."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Connection, Engine

from workflows import clock
from workflows.config.loader import Config, load_config
from workflows.config.locations import locate_processes_dir
from workflows.definitions.library import Library, load_sound_library
from workflows.definitions.model import Process
from workflows.definitions.partnership import RoleScope
from workflows.engine.machine import Definition
from workflows.store.database import open_database
from workflows.store.definitions import definition_text
from workflows.yamlsource import load_located

log = logging.getLogger(__name__)


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def parse_pinned(text: str, digest: str) -> Process:
    """A definition as a case started with it (already checked then)."""
    return Process.model_validate(load_located(f"<definition {digest[:12]}>", text, stored=True).data)


@dataclass
class Runtime:
    config: Config
    library: Library
    db: Engine
    _pinned: dict[str, Definition] = field(default_factory=dict)

    @classmethod
    def open(
        cls,
        config_dir: Path | None = None,
        processes_dir: Path | None = None,
        db_url: str | None = None,
        *,
        create: bool = False,
        report: Callable[[str], object] | None = None,
    ) -> Runtime:
        """Only `create=True` (`workflows init`, `workflows up`, tests) creates a database; otherwise a missing one
        raises DatabaseMissing, naming where it looked.

        A process file with problems is left out, and reported once (`report`, by default a logged warning): the
        other processes, and every case already started (its definition is stored), run on.
        """
        config = load_config(config_dir)
        library = load_sound_library([processes_dir or locate_processes_dir()], config)
        for line in library.broken_files():
            (report or log.warning)(line)
        return cls(config, library, open_database(db_url, create=create))

    @property
    def clock_set(self) -> bool:
        return clock.clock_is_set()

    def current(self, process_id: str) -> tuple[Definition, str]:
        """The library's definition of `process_id` now, and its YAML text, for a new case."""
        process = self.library.get(process_id)
        text = self.library.texts[process_id]
        digest = text_hash(text)
        definition = self._pinned.get(digest)
        if definition is None:
            definition = self._pinned[digest] = self._definition(process, digest)
        return definition, text

    def pinned(self, connection: Connection, digest: str) -> Definition:
        """The exact definition a case started with: editing the YAML never moves its dates."""
        definition = self._pinned.get(digest)
        if definition is None:
            process = parse_pinned(definition_text(connection, digest), digest)
            if process.calendar is not None and process.calendar not in self.config.calendar_names():
                # The calendar was removed from config since: the partnership's default calendar stands in.
                process = process.model_copy(update={"calendar": None})
            definition = self._pinned[digest] = self._definition(process, digest)
        return definition

    def _definition(self, process: Process, digest: str) -> Definition:
        limit = process.extension_limit or self.config.partnership.extension_limit
        held_per_agency = frozenset(
            key for key, role in self.config.directory.roles.items() if role.scope is RoleScope.AGENCY
        )
        return Definition(process, self.config.timing_rules(process), digest, limit, held_per_agency)
