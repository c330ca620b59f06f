"""The tables. Changes here need an Alembic migration in store/migrations/versions."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from workflows.store.types import UtcDateTime

metadata = MetaData()

# Every process definition a case has started with, by the hash of its YAML text.
definitions = Table(
    "definitions",
    metadata,
    Column("hash", String(64), primary_key=True),
    Column("process_id", String(100), nullable=False),
    Column("version", Integer, nullable=False),
    Column("text", Text, nullable=False),
    Column("first_used_at", UtcDateTime, nullable=False),
)

cases = Table(
    "cases",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("reference", String(100), nullable=False, unique=True),
    # The reference without regard to case (store/references.py reference_key): unique, so RR-2026-001 and
    # rr-2026-001 are one case. Null only for a case stored before 0009 whose key an earlier case held.
    Column("reference_key", String(100)),
    Column("process_id", String(100), nullable=False),
    Column("definition_hash", String(64), ForeignKey("definitions.hash"), nullable=False),
    Column("status", String(20), nullable=False),
    Column("business_key", String(400)),
    Column("parent_reference", String(100)),
    Column("started_at", UtcDateTime, nullable=False),
    Column("closed_at", UtcDateTime),
    Column("state", JSON, nullable=False),  # the engine's whole state, sensitive facts included: never leaves
    # Every write to the case or its messages bumps `revision`; the DSP view republishes a case whose
    # revision has moved past the one it last published, whatever made the change (CLI, page, flow, sweep).
    Column("revision", Integer, nullable=False, default=1, server_default="1"),
    Column("published_revision", Integer, nullable=False, default=0, server_default="0"),
    UniqueConstraint("process_id", "business_key", name="uq_cases_business_key"),
)
Index("uq_cases_reference_key", cases.c.reference_key, unique=True)
Index("ix_cases_parent", cases.c.parent_reference)
Index("ix_cases_status", cases.c.status)
_VIEW_STALE = cases.c.revision != cases.c.published_revision
Index("ix_cases_view_stale", cases.c.id, sqlite_where=_VIEW_STALE, postgresql_where=_VIEW_STALE)

# One row per stage (or per fanned-out task): what `overdue` and dashboards query.
items = Table(
    "items",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("case_id", Integer, ForeignKey("cases.id", ondelete="CASCADE"), nullable=False),
    Column("stage", String(100), nullable=False),
    Column("task", String(200), nullable=False, default=""),  # "" for a stage without tasks
    Column("status", String(20), nullable=False),
    Column("owner_role", String(100), nullable=False),
    Column("agency", String(100)),
    Column("assignee", String(320)),
    Column("due_at", UtcDateTime),
    Column("escalation_level", Integer, nullable=False, default=0),
    UniqueConstraint("case_id", "stage", "task", name="uq_items_slot"),
)
Index("ix_items_open_due", items.c.status, items.c.due_at)

# The next moment each open item (or each recurring process) must be woken at.
timers = Table(
    "timers",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("slot_key", String(400), nullable=False, unique=True),
    Column("case_id", Integer, ForeignKey("cases.id", ondelete="CASCADE")),
    Column("stage", String(100)),
    Column("task", String(200)),
    Column("process_id", String(100)),  # recurrence timers
    Column("occurrence", Integer),
    Column("fire_at", UtcDateTime, nullable=False),
)
# (fire_at, id): the claim orders by both, and many timers share a due time (09:00, end of day).
Index("ix_timers_fire_at_id", timers.c.fire_at, timers.c.id)

outbox = Table(
    "outbox",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("key", String(400), nullable=False, unique=True),
    Column("case_id", Integer, ForeignKey("cases.id", ondelete="CASCADE")),
    Column("kind", String(40), nullable=False),
    Column("stage", String(100)),
    Column("task", String(200)),
    Column("role", String(100)),
    Column("agency", String(100)),
    Column("assignee", String(320)),
    Column("copy_role", String(100)),
    Column("due_at", UtcDateTime),
    Column("details", JSON, nullable=False, default=dict),
    Column("created_at", UtcDateTime, nullable=False),
    Column("status", String(20), nullable=False, default="pending"),  # an OutboxStatus: pending | sent | failed
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", UtcDateTime),
    Column("sent_at", UtcDateTime),
    Column("error", Text),
    Column("urgent", Boolean, nullable=False, default=False),  # goes out at once, quiet hours or not
    Column("calendar", String(100)),  # whose working hours it waits for; None: the default calendar
    # Real (wall-clock) times, never a rehearsal's: when it may be tried, how long a deliverer holds it, since when
    # it has been failing for now (it is given up after the retry period).
    Column("claimed_until", UtcDateTime),  # a deliverer is sending it; after this, another may
    Column("claimed_by", String(100)),  # which deliverer (host:pid:nonce): one that died is taken over at once
    Column("failing_since", UtcDateTime),
    Column("failed_at", UtcDateTime),  # given up on (`workflows outbox retry --failed-since` picks by it)
    Column("recipients", JSON),  # who it went to, resolved from the directory at sending
    Column("audience", JSON),  # who it is for (engine/parties/ Audience): roles at agencies, named people
)
Index("ix_outbox_pending", outbox.c.status, outbox.c.next_attempt_at)
Index("ix_outbox_case", outbox.c.case_id)

audit = Table(
    "audit",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("case_id", Integer, ForeignKey("cases.id", ondelete="CASCADE")),
    Column("at", UtcDateTime, nullable=False),
    Column("actor", String(320)),
    Column("action", String(40), nullable=False),
    Column("stage", String(100)),
    Column("task", String(200)),
    Column("detail", Text, nullable=False),
    Column("clock_set", Boolean, nullable=False, default=False),  # WORKFLOWS_NOW was in force
)
Index("ix_audit_case", audit.c.case_id, audit.c.id)

reference_counters = Table(
    "reference_counters",
    metadata,
    Column("scope", String(200), primary_key=True),
    Column("last", Integer, nullable=False),
)

# On SQLite one sweeper at a time holds this lease; PostgreSQL sweepers share work with SKIP LOCKED.
leases = Table(
    "leases",
    metadata,
    Column("name", String(100), primary_key=True),
    Column("holder", String(100), nullable=False),
    Column("expires_at", UtcDateTime, nullable=False),
)

# When a sweep last finished, on the real clock: the main job says so when sweeps stop (localrun/sweep_watch.py).
sweep_heartbeats = Table(
    "sweep_heartbeats",
    metadata,
    Column("name", String(100), primary_key=True),
    Column("sweeper", String(100), nullable=False),
    Column("finished_at", UtcDateTime, nullable=False),
)

# Each state-changing use of an action link, so a link works once for each kind of action (engine Action).
link_uses = Table(
    "link_uses",
    metadata,
    Column("token_id", String(64), primary_key=True),
    Column("kind", String(20), primary_key=True),
    Column("used_at", UtcDateTime, nullable=False),
    Column("action", String(40), nullable=False),
)
