"""Who is told about an item, and who may act on it: the one answer the engine, delivery, the task pages and the
command line all ask. docs/messages.md has it as a table; a change here is a change there.

An item is a stage, or one task of a fanned-out stage. Its parties are symbolic: a role at the item's agency, a
named person, or the business unit. The shell resolves them to addresses from the directory when a message is
sent (notify/recipients.py), so a new holder of a role gets what is sent after the change; and it says what a
person holds (`Actor`, built from the directory by operations/people.py) when they act. Nothing here reads the
directory or any fact but the agency facts that say whose role is meant.

The package: `people.py` (parties, audiences, actors, verdicts), `of_item.py` (the parties of an item), `told.py`
(who is told of each kind of message), `may.py` (who may do each action).
"""

from workflows.engine.parties.may import may_ask_for_time, may_grant, may_open, permitted
from workflows.engine.parties.of_item import (
    approvers,
    involved,
    item_agency,
    ladder_reached,
    ladder_step,
    task_holders,
)
from workflows.engine.parties.people import BUSINESS_UNIT, Actor, Addressed, Audience, Party, Verdict
from workflows.engine.parties.told import OWNER_NOTICES, digest_audience, told, told_of_reassignment

__all__ = [
    "BUSINESS_UNIT",
    "OWNER_NOTICES",
    "Actor",
    "Addressed",
    "Audience",
    "Party",
    "Verdict",
    "approvers",
    "digest_audience",
    "involved",
    "item_agency",
    "ladder_reached",
    "ladder_step",
    "may_ask_for_time",
    "may_grant",
    "may_open",
    "permitted",
    "task_holders",
    "told",
    "told_of_reassignment",
]
