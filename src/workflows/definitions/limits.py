"""How large a process definition may be: far beyond any real process, and small enough that checking one, and
running its cases, stays quick (docs/guide.md, "Limits"). The YAML itself has limits too (yamlsource/loader.py).
"""

from __future__ import annotations

from collections.abc import Sized

MAX_STAGES = 100  # the largest shipped process has 12
MAX_FACTS = 100
MAX_TRIGGERS = 20
MAX_OPTIONS = 20  # options of one decision
MAX_REMINDERS = 10  # of each kind (`before`, `at_share`) on one stage
MAX_LADDER_STEPS = 10  # escalation steps on one stage
MAX_INVOLVED = 20  # others one stage involves
MAX_CONDITION_DEPTH = 6  # `all`/`any`/`not` nested inside one another


def at_most(items: Sized, most: int, what: str) -> None:
    """Refuse (ValueError, which the model turns into a positioned problem) more than `most` `what`."""
    if len(items) > most:
        raise ValueError(f"at most {most} {what}, not {len(items):,}")
