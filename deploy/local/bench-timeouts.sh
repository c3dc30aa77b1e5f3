#!/usr/bin/env bash
# deploy/local/bench-timeouts.sh [MESSAGES] [NODES] — timeout accuracy of the scheduler service: MESSAGES
# (default 100) messages scheduled through the scheduler queue with due times spread over 3-13 s ahead, on NODES
# (default 1) scheduler processes with a virtual host and database of their own. Prints how many arrived (once
# each), and the median, p95 and max of fired-minus-due and received-minus-due, e.g.
#
#   100 timeouts on 1 scheduler node(s): 100 arrived, 0 more than once, 0 missing
#   fired (MT-Quartz-Sent) - due: median 9 ms, p95 21 ms, max 30 ms, min 2 ms
set -euo pipefail

SCRIPT_DIR=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd -- "$SCRIPT_DIR/../.." && pwd)

"$SCRIPT_DIR/deps.sh" up
eval "$("$SCRIPT_DIR/deps.sh" env)"
dotnet build "$REPO_ROOT/tests/Agents.Scheduler.Bench" -c Release -nologo -v quiet >&2
exec dotnet run -c Release --no-build --project "$REPO_ROOT/tests/Agents.Scheduler.Bench" -- "${1:-100}" "${2:-1}"
