#!/usr/bin/env bash
# deploy/local/bench.sh [INCIDENTS] [RATE] [SECONDS] [TIMEOUTS] — the system's throughput against this machine's ceiling, in one
# run: every service its own process (rule brains, remediation dry-run), a virtual host and database of their own.
# First the ceiling (a raw RabbitMQ publish/consume probe, persistent with confirms; a raw PostgreSQL single-row
# update probe), then a burst of INCIDENTS (default 300) alerts at once, then RATE (default 20) alerts a second for
# SECONDS (default 20), then, when TIMEOUTS is more than 0 (default 0), that many alerts at once with the triage agent
# stopped: how late each step timeout fired after its deadline. Prints, among per-step latencies, processor time and
# database work per incident, lines of their own:
#
#   ceiling: 212.4 incidents/s
#   incidents/s: 9.8
#   ratio to ceiling: 0.046
set -euo pipefail

SCRIPT_DIR=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd -- "$SCRIPT_DIR/../.." && pwd)

"$SCRIPT_DIR/deps.sh" up
eval "$("$SCRIPT_DIR/deps.sh" env)"
dotnet build "$REPO_ROOT/tests/Agents.Throughput.Bench" -c Release -nologo -v quiet >&2
exec dotnet run -c Release --no-build --project "$REPO_ROOT/tests/Agents.Throughput.Bench" -- "${1:-300}" "${2:-20}" "${3:-20}" "${4:-0}"
