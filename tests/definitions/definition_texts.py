"""The definition the definition tests break one way at a time: sound against the minimal config (tests/conftest.py)."""

GOOD = """\
id: demo
title: Demo process
version: 1
calendar: partnership
reference: "DM-{year}-{seq:3}"
facts:
  notified_on: {type: date, required: true}
  agencies: {type: agency-list, from_directory: {audit: section-11}}
stages:
  gather:
    title: Gather returns
    owner: agency-safeguarding-lead
    for_each: agencies
    due: {in: 10 working days, from: "fact:notified_on"}
    reminders: {before: [2 working days], overdue_every: 1 working day}
    escalation:
      - {after: 1 working day, notify: business-manager}
  decide:
    title: Decide
    owner: dsp-local-authority
    after: [gather]
    due: {in: 5 working days, from: "stage:gather"}
    decision:
      options:
        more: {label: Look further, then: [follow-up]}
        done: {label: Nothing more}
  follow-up:
    title: Follow up
    owner: business-manager
    due: {in: 1 month, from: opened}
"""
