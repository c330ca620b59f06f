"""Practitioners act on a task from the email, through a signed link, with no account."""
