"""The process catalogue: one page per library process for the business unit and the Delegated Safeguarding
Partners (purpose, sources, stages, deadlines, reminders, escalation ladders and a typical case's timeline), as
Markdown, standalone HTML and SVG. Built from definitions and config alone: it never reads a database.

`catalogue_pages(config, library)` (in `pages`) builds every page; the CLI writes them, the Prefect serving code
publishes each page's `prefect_markdown` as the artifact `process-<id>`.
"""
