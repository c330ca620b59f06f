"""Who a person is, for the engine's question of who may act (engine/parties/): what the directory says they
hold, and whether they speak for the business unit. Looked up here, in the shell, so the engine stays pure."""

from __future__ import annotations

import dataclasses

from workflows.config.loader import Config
from workflows.engine import commands as cmd
from workflows.engine.parties import Actor


def actor_for(config: Config, email: str) -> Actor:
    """`email` as the engine weighs them: every role they hold (deputies too, each at its agency), and whether
    they hold one of `business_unit_roles` or are the business unit's own mailbox."""
    wanted = email.strip().lower()
    holds = frozenset(
        (holding.role, holding.agency)
        for person in config.directory.people
        if person.email.lower() == wanted
        for holding in person.holds
    )
    partnership = config.partnership
    business_unit = wanted == partnership.business_unit_email.lower() or any(
        role in partnership.business_unit_roles for role, _ in holds
    )
    return Actor(wanted, holds, business_unit)


def with_actor(config: Config, command: cmd.Command) -> cmd.Command:
    """The command with its person looked up: `by` (or `approved_by`, for an extension given directly)."""
    if isinstance(command, cmd.FireTimer | cmd.Pause | cmd.Resume | cmd.Reassign | cmd.Cancel):
        return command  # the business unit's own commands: `by` only says who, for the audit trail
    person = command.approved_by if isinstance(command, cmd.Extend) else command.by
    if person is None:
        return command
    return dataclasses.replace(command, actor=actor_for(config, person))
