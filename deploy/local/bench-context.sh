#!/usr/bin/env bash
# deploy/local/bench-context.sh [INCIDENTS] [CONCURRENCY] — the context agent's collection for one incident
# (ContextCollector.DecideAsync) with every source on: a real Prometheus (Debian's package, installed when missing) over
# 2.5 hours of written history of ten services; the local fakes of Loki, Datadog, CloudWatch, PagerDuty and the
# Kubernetes API, in the benchmark's process, seeded at realistic volumes (1,500 log lines of a dozen kinds, 22 Datadog
# series of 450 points, 65 events and 800 logs, 360 PagerDuty incidents with 515 notes, 18 ReplicaSets, 14 pods and 179
# events); the alert itself and an in-memory deploy log. The sources are built by the context service's own registration
# over Context__Sources__* settings. Checkout's error-ratio alert and search's latency alert in turn: INCIDENTS (default
# 200) one at a time after 6 warm-ups, 40 per source with that source alone, INCIDENTS again CONCURRENCY (default 8) at
# a time; then the context's size as bounded (Context__Bounds__MaxBytes, 64 KiB), unbounded, and at 32 and 16 KiB.
# Needs neither RabbitMQ nor PostgreSQL. Prints, e.g. (2-core build machine, 2026-12-07):
#
#   context collection, 6 sources + alert + deploy log, 200 incidents one at a time: p50 86 ms, p90 126 ms, p99 148 ms, max 174 ms
#   per source (p50 / p99): alert 0.0/0.1 ms, deploy-log 0.0/0.1 ms, prometheus 43/114 ms, loki 69/128 ms, datadog 61/114 ms, ...
#   context collection, 200 incidents 8 at a time: p50 232 ms, p90 311 ms, p99 848 ms, max 874 ms; 30.9 incidents/s
#   context size per incident (JSON, as ContextSizeLimiter counts it): median 55.5 KiB, max 56.9 KiB (limit 64 KiB); truncated in 200 of 200; unbounded checkout 121.6 KiB, search 94.3 KiB
#
# and exits 1 when a source failed or reported a problem in any incident.
set -euo pipefail

SCRIPT_DIR=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd -- "$SCRIPT_DIR/../.." && pwd)

log() { printf 'bench-context: %s\n' "$*" >&2; }

# The real Prometheus and promtool (tests/Shared/PrometheusHistory.cs runs them from /usr/bin; the package starts no
# daemon here): installed the way deploy/local/test.sh installs its tools (apt-get as root, else through sudo; sudo -n
# without a terminal).
if [[ ! -x /usr/bin/prometheus || ! -x /usr/bin/promtool ]]; then
    as_root=()
    if [[ $(id -u) -ne 0 ]]; then
        if [[ -t 0 ]]; then as_root=(sudo); else as_root=(sudo -n); fi
    fi
    log "installing prometheus (apt-get)"
    "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 update -qq >&2 || true
    "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -qq \
        --no-install-recommends prometheus >&2 || { log "error: could not install prometheus"; exit 1; }
fi

export DOTNET_CLI_TELEMETRY_OPTOUT=${DOTNET_CLI_TELEMETRY_OPTOUT:-1} DOTNET_NOLOGO=${DOTNET_NOLOGO:-1}
dotnet build "$REPO_ROOT/tests/Agents.Context.Bench" -c Release -nologo -v quiet >&2
exec dotnet run -c Release --no-build --project "$REPO_ROOT/tests/Agents.Context.Bench" -- "${1:-200}" "${2:-8}"
