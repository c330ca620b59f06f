#!/usr/bin/env bash
# Scale-out of the sweep through Prefect on this machine: a Prefect server on PostgreSQL, the project's
# prefect.yaml deployed to a process work pool, two workers, our state on PostgreSQL, 1, 2 and 4 concurrent sweep
# runs over the same backlog; checks that nothing fired twice and nothing was lost. See bench/scale_out.py.
#
#   bash bench/scale_out.sh [--cases N | --tasks N [--agencies K]] [--sweepers 1 2 4] [--timeout S]
#
# Prints a markdown table on stdout (progress on stderr). Whatever happens, the trap ends the workers, the flow-run
# processes and the server, drops the databases and removes the temp dir.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
python="$repo/.venv/bin/python"
work="$(mktemp -d -t scale-out.XXXXXX)"
child=""

cleanup() {
    local status=$?
    trap - EXIT INT TERM
    if [[ -n "$child" ]] && kill -0 "$child" 2>/dev/null; then
        kill -TERM "$child" 2>/dev/null || true
        wait "$child" 2>/dev/null || true
    fi
    # Whatever the Python side could not end itself (it was killed, say): the ledger it kept says what.
    "$python" "$repo/bench/scale_out.py" --teardown "$work" || status=1
    rm -rf "$work"
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

cd "$repo"
"$python" "$repo/bench/scale_out.py" --work "$work" "$@" &
child=$!
wait "$child"
