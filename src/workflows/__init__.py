"""Deadline and escalation engine for children's safeguarding partnerships."""
