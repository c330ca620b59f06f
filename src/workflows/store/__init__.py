"""Durable state in SQLAlchemy: cases, their items and timers, the outbox and the audit trail."""
