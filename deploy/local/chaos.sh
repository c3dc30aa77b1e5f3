#!/usr/bin/env bash
# deploy/local/chaos.sh — the chaos run: CHAOS_INCIDENTS (default 1000) alerts go to the ingress as Alertmanager sends
# them (CHAOS_RATE a second, default 5), each for a service of its own that a deploy just broke, in remediation mode
# auto: rolled back for real on a fake Kubernetes API server, verified on a real Prometheus, paged through a fake
# PagerDuty. Meanwhile every service is killed with SIGKILL and started again in turn (both orchestrators, the
# scheduler, every agent, the API, the ingress), then RabbitMQ and PostgreSQL themselves (SIGKILL of the server, then
# started again). It prints each fault, the outcomes, every message in an error queue with its reason, and ends with:
#
#   terminal: 1000 of 1000
#   lost: 0
#   duplicate executions: 0
#   duplicate pages: 0
#
# Exits 1 when an incident did not end (within CHAOS_SETTLE_SECONDS, default 600), was lost, or something was executed
# or paged twice; 2 when the run could not start.
#
# CHAOS_NO_BUILD=1 skips the build (of tests/Agents.Chaos and the services it runs).
# It runs on a RabbitMQ node and a PostgreSQL cluster of its own (state in ${AGENTS_STATE_DIR:-<repo>/.local}/chaos,
# ports CHAOS_RABBITMQ_PORT 5782, CHAOS_RABBITMQ_MGMT_PORT 15782, CHAOS_RABBITMQ_DIST_PORT 25782, CHAOS_POSTGRES_PORT
# 5542), so the servers it kills are never the ones `up.sh` or the tests use (RABBITMQ_URL, POSTGRES_CONNECTION and the
# like in the environment are ignored: the run must use the servers it kills); it stops them at the end
# (CHAOS_KEEP_SERVERS=1 keeps them).
set -euo pipefail

SCRIPT_DIR=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd -- "$SCRIPT_DIR/../.." && pwd)
STATE_DIR=${AGENTS_STATE_DIR:-$REPO_ROOT/.local}
[[ $STATE_DIR == /* ]] || STATE_DIR=$PWD/$STATE_DIR

case ${1:-} in -h | --help)
    sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}" >&2
    exit 0
    ;;
esac

log() { printf 'chaos: %s\n' "$*" >&2; }
command -v dotnet >/dev/null 2>&1 || { log "error: dotnet is not on PATH (install the .NET 10 SDK)"; exit 2; }

INCIDENTS=${CHAOS_INCIDENTS:-1000}
RATE=${CHAOS_RATE:-5}
[[ $INCIDENTS =~ ^[1-9][0-9]*$ ]] || { log "error: CHAOS_INCIDENTS must be a positive whole number, not '$INCIDENTS'"; exit 2; }
[[ $RATE =~ ^[0-9]+([.][0-9]+)?$ ]] || { log "error: CHAOS_RATE must be a number of alerts a second, not '$RATE'"; exit 2; }

# The servers of this run: deps.sh with a state dir and ports of their own (the run kills them).
# The connection settings of other servers (e.g. exported by test.sh) are dropped: the run kills its servers, so the
# system it runs must use them and only them.
chaos_env() {
    env -u RABBITMQ_URL -u RABBITMQ_VHOST -u RABBITMQ_MGMT_URL -u RABBITMQ_MGMT_USER -u RABBITMQ_MGMT_PASS \
        -u RABBITMQ_PROMETHEUS_URL -u POSTGRES_CONNECTION \
        AGENTS_STATE_DIR=$STATE_DIR/chaos \
        AGENTS_RABBITMQ_PORT=${CHAOS_RABBITMQ_PORT:-5782} \
        AGENTS_RABBITMQ_MGMT_PORT=${CHAOS_RABBITMQ_MGMT_PORT:-15782} \
        AGENTS_RABBITMQ_DIST_PORT=${CHAOS_RABBITMQ_DIST_PORT:-25782} \
        AGENTS_POSTGRES_PORT=${CHAOS_POSTGRES_PORT:-5542} \
        "$@"
}
stop_servers() {
    [[ ${CHAOS_KEEP_SERVERS:-} == 1 ]] && return 0
    chaos_env "$SCRIPT_DIR/deps.sh" down >/dev/null 2>&1 || true
}
trap stop_servers EXIT

# The run verifies rollbacks on a real Prometheus (Debian's package; no daemon of the package is used).
if ! command -v prometheus >/dev/null 2>&1; then
    as_root=()
    [[ $(id -u) -eq 0 ]] || as_root=(sudo -n)
    log "installing prometheus (apt-get)"
    "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 update -qq >&2 || true
    "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends prometheus >&2 \
        || { log "error: prometheus is missing and could not be installed (apt-get install prometheus)"; exit 2; }
fi

chaos_env "$SCRIPT_DIR/deps.sh" up || { log "error: the run's own RabbitMQ and PostgreSQL did not start"; exit 2; }
unset RABBITMQ_URL RABBITMQ_VHOST RABBITMQ_MGMT_URL RABBITMQ_MGMT_USER RABBITMQ_MGMT_PASS RABBITMQ_PROMETHEUS_URL POSTGRES_CONNECTION
eval "$(chaos_env "$SCRIPT_DIR/deps.sh" env)"
# Killed servers are started again through the same deps.sh, on the same ports and state.
cat >"$STATE_DIR/chaos/deps.sh" <<EOF
#!/usr/bin/env bash
export AGENTS_STATE_DIR='$STATE_DIR/chaos' AGENTS_RABBITMQ_PORT='${CHAOS_RABBITMQ_PORT:-5782}' AGENTS_RABBITMQ_MGMT_PORT='${CHAOS_RABBITMQ_MGMT_PORT:-15782}'
export AGENTS_RABBITMQ_DIST_PORT='${CHAOS_RABBITMQ_DIST_PORT:-25782}' AGENTS_POSTGRES_PORT='${CHAOS_POSTGRES_PORT:-5542}'
exec '$SCRIPT_DIR/deps.sh' "\$@"
EOF
chmod +x "$STATE_DIR/chaos/deps.sh"
export AGENTS_DEPS=$STATE_DIR/chaos/deps.sh
export DOTNET_CLI_TELEMETRY_OPTOUT=${DOTNET_CLI_TELEMETRY_OPTOUT:-1} DOTNET_NOLOGO=${DOTNET_NOLOGO:-1}

if [[ ${CHAOS_NO_BUILD:-} != 1 ]]; then
    log "building (Release)"
    dotnet build "$REPO_ROOT/tests/Agents.Chaos" -c Release -nologo -v quiet >&2 || { log "error: the build failed"; exit 2; }
fi
log "$INCIDENTS incidents at $RATE alerts/s, every service and both servers killed in turn"
set +e
dotnet run -c Release --no-build --project "$REPO_ROOT/tests/Agents.Chaos" -- "$INCIDENTS" "$RATE"
code=$?
set -e
exit "$code"
