"""The operations the command line, the Prefect flows and the action links all call.

Each runs the pure engine inside one database transaction: state, items, timers, outbox and audit
entries commit together or not at all.
"""
