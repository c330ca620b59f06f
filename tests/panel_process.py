"""A process whose deadlines count from another stage's deadline (papers before a panel, minutes after the papers),
for the tests of dependent deadlines. Its roles are in the shipped config and in the tests' minimal one."""

PANEL_PROCESS = """\
id: panel-papers
title: Panel and its papers
version: 1
calendar: partnership
reference: "PP-{year}-{seq:3}"
extension_approver: business-manager
pause:
  reasons: {hold: Held}
stages:
  panel:
    title: Hold the panel
    owner: partnership-chair
    due: {in: 13 working days, from: start}
  papers:
    title: Send the panel papers
    owner: dsp-local-authority
    due: {before: 3 working days, from: "due:panel"}
    reminders: {on_due_day: true}
  minutes:
    title: Circulate the minutes
    owner: business-manager
    due: {in: 2 working days, from: "due:papers"}
"""
