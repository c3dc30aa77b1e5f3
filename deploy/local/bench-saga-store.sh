#!/usr/bin/env bash
# deploy/local/bench-saga-store.sh [INCIDENTS] [RUNS] — saga transitions per second through the PostgreSQL
# store: the incident saga on an in-memory bus with agents that answer at once, so that what is measured is
# the saga and its store. Starts PostgreSQL (deploy/local/deps.sh up), builds, runs RUNS (default 3) runs of
# INCIDENTS (default 300) incidents, each on a fresh database, and prints every run and the median:
#
#   saga transitions through the PostgreSQL store: median 484/s over 3 runs of 300 incidents (min 376, max 491)
#
# and, per run, the incident list over that history (newest 50 Resolved): one query against loading each one.
set -euo pipefail

SCRIPT_DIR=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd -- "$SCRIPT_DIR/../.." && pwd)

"$SCRIPT_DIR/deps.sh" up postgres
eval "$("$SCRIPT_DIR/deps.sh" env)"
dotnet build "$REPO_ROOT/tests/Agents.Orchestrator.Bench" -c Release -nologo -v quiet >&2
exec dotnet run -c Release --no-build --project "$REPO_ROOT/tests/Agents.Orchestrator.Bench" -- "${1:-300}" "${2:-3}"
