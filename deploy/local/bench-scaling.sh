#!/usr/bin/env bash
# deploy/local/bench-scaling.sh [INCIDENTS] [THINK_MS] [COUNTS] — one agent scaled by processes: the investigation
# step slowed to THINK_MS (default 500) per command, one command at a time per process, on each process count of
# COUNTS (default 1,2,4) against one orchestrator and one of every other service (a virtual host and database of
# their own). Three batches of INCIDENTS (default 24) alerts at once per count. Prints, e.g.
#
#   investigation x1: step throughput median 1.95/s (batches 1.93, 1.95, 1.96); commands per process: 72
#   investigation x2: step throughput median 3.86/s (batches ...); commands per process: 36, 36
#   investigation x4: step throughput median 7.40/s (batches ...); commands per process: 18, 18, 19, 17
#   throughput relative to x1: x1 1.00, x2 1.98, x4 3.79
set -euo pipefail

SCRIPT_DIR=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd -- "$SCRIPT_DIR/../.." && pwd)

"$SCRIPT_DIR/deps.sh" up
eval "$("$SCRIPT_DIR/deps.sh" env)"
dotnet build "$REPO_ROOT/tests/Agents.Scaling.Bench" -c Release -nologo -v quiet >&2
exec dotnet run -c Release --no-build --project "$REPO_ROOT/tests/Agents.Scaling.Bench" -- "${1:-24}" "${2:-500}" "${3:-1,2,4}"
