"""What DSPs see in the Prefect UI: the overdue table, each case's timeline, audit round progress.

`views` builds them from the database (no Prefect import); `publish` hands them to Prefect.
"""
