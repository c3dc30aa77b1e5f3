#!/usr/bin/env bash
# deploy/local/bench-ingress.sh [WEBHOOKS] [CONCURRENCY] [RESTART_WEBHOOKS] — the webhook ingress with publisher
# confirms, against a RabbitMQ node of its own (deps.sh with private ports and state), a database of its own, one
# orchestrator and one ingress. Three runs of WEBHOOKS (default 5000) generic webhooks, CONCURRENCY (default 32) at
# once; then a steady stream (4 senders, 50 ms apart) during which the broker is restarted after 20% of
# RESTART_WEBHOOKS (default 1000) are accepted, until the other 80% are accepted after it is back. Prints, e.g.
# (measured on the 2-core build machine, 2026-12-06):
#
#   run 3: 5000 accepted in 5.25 s = 953/s; 202 latency p50 27.7 ms, p99 88.9 ms; 503/429 answers 0, ...
#   median of 3: 953 accepted/s, p50 27.7 ms, p99 122.1 ms
#   ratio to docs/design.md §4: 0.54 of 1,780 msg/s (one confirm awaited at a time), 0.07 of 13,700 msg/s (batched confirms)
#   1171 accepted in 31.1 s (37.7/s); 503/429 answers 316; refused connections 0
#   every 202 became an incident: 1171 of 1171
#
# and exits 1 when an accepted webhook did not become an incident.
set -euo pipefail

SCRIPT_DIR=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd -- "$SCRIPT_DIR/../.." && pwd)

"$SCRIPT_DIR/deps.sh" up
eval "$("$SCRIPT_DIR/deps.sh" env)"
dotnet build "$REPO_ROOT/tests/Agents.Ingress.Bench" -c Release -nologo -v quiet >&2
exec dotnet run -c Release --no-build --project "$REPO_ROOT/tests/Agents.Ingress.Bench" -- "${1:-5000}" "${2:-32}" "${3:-1000}"
