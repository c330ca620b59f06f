"""What DSPs see in the Prefect UI: the overdue summary and table, each case's timeline, audit round progress.

`overdue` and `wording` describe items in titles and names (pure), and `overdue_stream` builds both overdue views
from rows streamed one at a time (pure); `views` builds the views from the database (no Prefect import); `publish`
hands them, and the events, to Prefect.
"""
