#!/usr/bin/env bash
# deploy/local/bench-tracing.sh [RUNS] — the overhead of tracing on publish -> Resolved: two copies of the whole
# system side by side (virtual host and database of their own), one without an exporter and one exporting every
# span over OTLP to a receiver in the benchmark process; RUNS (default 30) incidents each, one at a time,
# alternating, after 3 warm-ups each. Prints, e.g.
#
#   publish -> Resolved without exporter   : median  160 ms, p90  190 ms, min  140 ms, max  260 ms over 30 incidents
#   publish -> Resolved with OTLP exporter : median  165 ms, p90  200 ms, min  141 ms, max  270 ms over 30 incidents
#   median ratio with/without exporter: 1.03; spans received: 2000 (61 per incident)
set -euo pipefail

SCRIPT_DIR=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd -- "$SCRIPT_DIR/../.." && pwd)

"$SCRIPT_DIR/deps.sh" up
eval "$("$SCRIPT_DIR/deps.sh" env)"
dotnet build "$REPO_ROOT/tests/Agents.Tracing.Bench" -c Release -nologo -v quiet >&2
exec dotnet run -c Release --no-build --project "$REPO_ROOT/tests/Agents.Tracing.Bench" -- "${1:-30}"
