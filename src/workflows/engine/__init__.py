"""The pure state machine: (case state, command, now) -> (new state, effects).

No database, SMTP or Prefect import here: the shell (store, notify, flows) applies the effects.
"""

from workflows.engine.commands import (
    Acknowledge,
    ApproveExtension,
    Cancel,
    Command,
    Complete,
    Decide,
    Extend,
    FireTimer,
    Pause,
    Reassign,
    RefuseExtension,
    RequestExtension,
    Resume,
)
from workflows.engine.effects import Audit, CancelTimer, Effect, Notify, SetTimer, StartLinkedCase
from workflows.engine.errors import CommandRefused, EngineError, InvalidInput
from workflows.engine.machine import Definition, apply, start_case
from workflows.engine.state import (
    CaseState,
    CaseStatus,
    ExtensionRequest,
    ItemState,
    ItemStatus,
    RequestStatus,
    Slot,
    StageState,
)
from workflows.engine.vocabulary import AuditAction, MessageKind, OutboxStatus, ShiftKind

__all__ = [
    "Acknowledge",
    "ApproveExtension",
    "Audit",
    "AuditAction",
    "Cancel",
    "CancelTimer",
    "CaseState",
    "CaseStatus",
    "Command",
    "CommandRefused",
    "Complete",
    "Decide",
    "Definition",
    "Effect",
    "EngineError",
    "Extend",
    "ExtensionRequest",
    "FireTimer",
    "InvalidInput",
    "ItemState",
    "ItemStatus",
    "MessageKind",
    "Notify",
    "OutboxStatus",
    "Pause",
    "Reassign",
    "RefuseExtension",
    "RequestExtension",
    "RequestStatus",
    "Resume",
    "SetTimer",
    "ShiftKind",
    "Slot",
    "StageState",
    "StartLinkedCase",
    "apply",
    "start_case",
]
