"""The pure state machine: (case state, command, now) -> (new state, effects).

No database, SMTP or Prefect import here: the shell (store, notify, flows) applies the effects.
"""

from workflows.engine.commands import (
    Acknowledge,
    Cancel,
    Command,
    Complete,
    Decide,
    Extend,
    FireTimer,
    Pause,
    Reassign,
    Resume,
)
from workflows.engine.effects import Audit, CancelTimer, Effect, Notify, SetTimer, StartLinkedCase
from workflows.engine.errors import EngineError
from workflows.engine.machine import Definition, apply, start_case
from workflows.engine.state import CaseState, CaseStatus, ItemState, ItemStatus, Slot, StageState

__all__ = [
    "Acknowledge",
    "Audit",
    "Cancel",
    "CancelTimer",
    "CaseState",
    "CaseStatus",
    "Command",
    "Complete",
    "Decide",
    "Definition",
    "Effect",
    "EngineError",
    "Extend",
    "FireTimer",
    "ItemState",
    "ItemStatus",
    "Notify",
    "Pause",
    "Reassign",
    "Resume",
    "SetTimer",
    "Slot",
    "StageState",
    "StartLinkedCase",
    "apply",
    "start_case",
]
