#!/usr/bin/env bash
# deploy/local/up.sh [--no-build] [service ...] — the whole system on this machine, without Docker.
#
# Starts RabbitMQ and PostgreSQL (deploy/local/deps.sh up), builds Agents.sln (Release), then runs each
# service as its own process (`dotnet services/Agents.X/bin/Release/net10.0/Agents.X.dll`, from the repo
# root, DOTNET_ENVIRONMENT=Production, with what `deps.sh env` prints exported). With service names, only
# those: scheduler orchestrator triage context investigation remediation notification policy coding medical
# reviewers change-freeze api ingress. policy, coding and medical are the claim-adjudication participants (queues of
# their names); reviewers is one service for the incident approval gate's three reviewers (queues safety,
# change-policy, blast-radius). change-freeze is the example plug-in agent (queue change-freeze; a workflow step with
# agent: change-freeze runs it, see docs/plugin-agents.md). ingress is the webhook front door (POST /webhooks/alertmanager|pagerduty|generic), with three
# sources of those names whose secrets deps.sh makes once under .local/ (`deps.sh env` prints them). The api
# accepts the local admin key deps.sh makes once under .local/api-keys.env (`deps.sh env` prints AGENTS_API_KEY):
# curl -H "Authorization: Bearer $AGENTS_API_KEY" http://127.0.0.1:5080/incidents
#
# Each service's output goes to .local/logs/<service>.log and to this terminal prefixed [service]. up.sh
# waits (AGENTS_UP_TIMEOUT seconds, default 60) until each started service answers GET /health/ready
# (api :5080, orchestrator :5081, triage :5082, context :5083, investigation :5084, remediation :5085,
# notification :5086, scheduler :5087, policy :5088, coding :5089, medical :5090, reviewers :5091, ingress :5092,
# change-freeze :5093), then
# prints where things are and keeps running.
#
# Stopping: Ctrl-C or SIGTERM stops every service it started (TERM, up to 15 s, then KILL) and exits 0.
# If a service exits on its own, or one is not ready in time, up.sh reports it (exit code, log tail), stops
# all the others and exits 1: the system is all up or all down, never half. RabbitMQ and PostgreSQL are not
# stopped (deploy/local/deps.sh down does that).
#
# --no-build skips the build (runs what was built last); AGENTS_CONFIGURATION=Debug runs the Debug build.
#
# Monitoring (skipped with --no-monitoring): once the services are ready, up.sh starts Prometheus and Alertmanager
# (Debian's prometheus and prometheus-alertmanager, installed with apt when missing) on 127.0.0.1, ports
# AGENTS_PROMETHEUS_PORT (9190) and AGENTS_ALERTMANAGER_PORT (9193), with their config and data under .local/monitoring/.
# Prometheus scrapes every started service (job = its name) and RabbitMQ's rabbitmq_prometheus plugin (jobs rabbitmq
# and rabbitmq-queues; see deps.sh) and evaluates deploy/monitoring/rules/agents.rules.yml. Alertmanager sends other
# alerts (e.g. `amtool alert add ...`) to the ingress' /webhooks/alertmanager, as a production Alertmanager would; the
# system's own alerts (label system="agents") and the Watchdog go to receivers that deliver nothing here (production:
# PagerDuty and a dead man's switch, deploy/monitoring/alertmanager.yml). They are stopped with the services.
set -euo pipefail

SCRIPT_DIR=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd -- "$SCRIPT_DIR/../.." && pwd)
STATE_DIR=${AGENTS_STATE_DIR:-$REPO_ROOT/.local}
[[ $STATE_DIR == /* ]] || STATE_DIR=$PWD/$STATE_DIR
LOG_DIR=$STATE_DIR/logs
DEPS=$SCRIPT_DIR/deps.sh
CONFIGURATION=${AGENTS_CONFIGURATION:-Release}
READY_TIMEOUT=${AGENTS_UP_TIMEOUT:-60}
MON_DIR=$STATE_DIR/monitoring
PROMETHEUS_PORT=${AGENTS_PROMETHEUS_PORT:-9190}
ALERTMANAGER_PORT=${AGENTS_ALERTMANAGER_PORT:-9193}
RULES=$REPO_ROOT/deploy/monitoring/rules/agents.rules.yml
STOP_TIMEOUT=15

ALL=(scheduler orchestrator triage context investigation remediation notification policy coding medical reviewers change-freeze api ingress)
declare -A PROJECT=(
    [orchestrator]=Agents.Orchestrator [triage]=Agents.Triage [context]=Agents.Context
    [investigation]=Agents.Investigation [remediation]=Agents.Remediation
    [notification]=Agents.Notification [api]=Agents.Api [scheduler]=Agents.Scheduler
    [policy]=Agents.Policy [coding]=Agents.Coding [medical]=Agents.Medical [reviewers]=Agents.Reviewers
    [ingress]=Agents.Ingress [change-freeze]=Agents.ChangeFreeze
)
declare -A PORT=(
    [api]=5080 [orchestrator]=5081 [triage]=5082 [context]=5083
    [investigation]=5084 [remediation]=5085 [notification]=5086 [scheduler]=5087
    [policy]=5088 [coding]=5089 [medical]=5090 [reviewers]=5091 [ingress]=5092 [change-freeze]=5093
)

log() { printf 'up: %s\n' "$*" >&2; }
die() { printf 'up: error: %s\n' "$*" >&2; exit 1; }
usage() {
    sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}" >&2
    exit "${1:-2}"
}

build=1
monitoring=1
selected=()
for arg in "$@"; do
    case $arg in
        -h | --help) usage 0 ;;
        --no-build) build= ;;
        --no-monitoring) monitoring= ;;
        -*) printf 'up: unknown option %s\n\n' "$arg" >&2; usage 2 ;;
        *)
            [[ -n ${PROJECT[$arg]:-} ]] || die "unknown service '$arg'; the services are: ${ALL[*]}"
            [[ " ${selected[*]} " == *" $arg "* ]] || selected+=("$arg")
            ;;
    esac
done
[[ ${#selected[@]} -gt 0 ]] || selected=("${ALL[@]}")
[[ $READY_TIMEOUT =~ ^[0-9]+$ ]] || die "AGENTS_UP_TIMEOUT is not a number: $READY_TIMEOUT"
[[ $PROMETHEUS_PORT =~ ^[0-9]+$ && $ALERTMANAGER_PORT =~ ^[0-9]+$ ]] \
    || die "AGENTS_PROMETHEUS_PORT / AGENTS_ALERTMANAGER_PORT must be port numbers"
command -v dotnet >/dev/null 2>&1 || die "dotnet is not on PATH (install the .NET 10 SDK)"
cd "$REPO_ROOT"

port_open() { timeout 3 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null; }

# A port already answering means another up.sh (or a stray service) runs: two would fight over the queues.
busy=()
for svc in "${selected[@]}"; do
    if port_open "${PORT[$svc]}"; then busy+=("$svc :${PORT[$svc]}"); fi
done
if [[ -n $monitoring ]]; then
    if port_open "$PROMETHEUS_PORT"; then busy+=("prometheus :$PROMETHEUS_PORT"); fi
    if port_open "$ALERTMANAGER_PORT"; then busy+=("alertmanager :$ALERTMANAGER_PORT"); fi
fi
[[ ${#busy[@]} -eq 0 ]] || die "already in use: ${busy[*]} (another up.sh running? stop it first)"

# Debian's Prometheus and Alertmanager, as the tests use them (tests/Shared/MonitoringServers.cs).
if [[ -n $monitoring ]] && ! [[ -x /usr/bin/prometheus && -x /usr/bin/prometheus-alertmanager ]]; then
    log "installing prometheus prometheus-alertmanager (apt-get; --no-monitoring skips them)"
    as_root=()
    if [[ $(id -u) -ne 0 ]]; then as_root=(sudo -n); fi
    "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends \
        prometheus prometheus-alertmanager >&2 || die "could not install prometheus and prometheus-alertmanager (or run with --no-monitoring)"
fi

"$DEPS" up
deps_env=$("$DEPS" env) || die "deploy/local/deps.sh env failed"
eval "$deps_env"
export DOTNET_ENVIRONMENT=Production
export DOTNET_CLI_TELEMETRY_OPTOUT=${DOTNET_CLI_TELEMETRY_OPTOUT:-1} DOTNET_NOLOGO=${DOTNET_NOLOGO:-1}
# The notification service's file sink goes to the state dir (its default, .local/, when that is the repo's).
export Notification__SinkPath=${Notification__SinkPath:-$STATE_DIR/notifications.jsonl}
# The ingress' three local sources, with the secrets deps.sh made. A source the environment already configures, in
# any spelling (configuration keys ignore case), is left as it is.
default_source() { # source setting value
    env | grep -qi "^Ingress__Sources__$1__" || export "Ingress__Sources__$1__$2=$3"
}
default_source alertmanager Token "$INGRESS_ALERTMANAGER_TOKEN"
default_source pagerduty Secret "$INGRESS_PAGERDUTY_SECRET"
default_source generic Secret "$INGRESS_GENERIC_SECRET"
# The API's local admin key (deps.sh made it; `deps.sh env` prints it as AGENTS_API_KEY): only its SHA-256 is configured.
if ! env | grep -qi '^Auth__ApiKeys__local_admin__'; then
    export "Auth__ApiKeys__local_admin__Hash=sha256:$(printf '%s' "$AGENTS_API_KEY" | sha256sum | cut -d' ' -f1)"
    export "Auth__ApiKeys__local_admin__Role=admin"
fi
mkdir -p "$LOG_DIR"

if [[ -n $build ]]; then
    log "building Agents.sln ($CONFIGURATION; output in $LOG_DIR/build.log)"
    started=$SECONDS
    if ! dotnet build "$REPO_ROOT/Agents.sln" -c "$CONFIGURATION" -nologo -v quiet >"$LOG_DIR/build.log" 2>&1; then
        grep -E ': error [A-Z]+[0-9]+' "$LOG_DIR/build.log" | sed 's/ \[[^]]*\]$//' | sort -u | head -n 30 >&2 \
            || tail -n 30 "$LOG_DIR/build.log" >&2
        die "the build failed (full output: $LOG_DIR/build.log)"
    fi
    log "built in $((SECONDS - started))s"
fi

dll_of() { printf '%s/services/%s/bin/%s/net10.0/%s.dll' "$REPO_ROOT" "${PROJECT[$1]}" "$CONFIGURATION" "${PROJECT[$1]}"; }
for svc in "${selected[@]}"; do
    [[ -f $(dll_of "$svc") ]] || die "$(dll_of "$svc") is missing (build it, or drop --no-build)"
done

declare -A PID=()
stopping=

alive() { [[ -r /proc/$1/stat ]] && [[ $(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1) != Z ]]; }

show_tail() { # service
    local file=$LOG_DIR/$1.log
    printf 'up: ---- last lines of %s ----\n' "$file" >&2
    tail -n 25 "$file" >&2 || true
    printf 'up: ----\n' >&2
}

# TERM to every service still running, KILL after STOP_TIMEOUT seconds; waits for them all.
stop_all() {
    [[ -z $stopping ]] || return 0
    stopping=1
    local svc pid i left
    for svc in "${!PID[@]}"; do
        pid=${PID[$svc]}
        if alive "$pid"; then kill -TERM "$pid" 2>/dev/null || true; fi
    done
    for ((i = 0; i < STOP_TIMEOUT * 4; i++)); do
        left=
        for svc in "${!PID[@]}"; do
            if alive "${PID[$svc]}"; then left+=" $svc"; fi
        done
        [[ -n $left ]] || break
        sleep 0.25
    done
    if [[ -n $left ]]; then
        log "still running after ${STOP_TIMEOUT}s:$left; sending KILL"
        for svc in $left; do kill -KILL "${PID[$svc]}" 2>/dev/null || true; done
    fi
    for svc in "${!PID[@]}"; do wait "${PID[$svc]}" 2>/dev/null || true; done
    sleep 0.3 # let the [service] output pipes drain
    [[ ${#PID[@]} -eq 0 ]] || log "stopped: ${!PID[*]}"
}

on_signal() {
    trap '' INT TERM HUP
    printf '\n' >&2
    log "$1: stopping the services"
    stop_all
    log "RabbitMQ and PostgreSQL keep running; deploy/local/deps.sh down stops them"
    trap - EXIT
    exit 0
}
on_exit() {
    local rc=$?
    trap '' INT TERM HUP
    stop_all
    exit "$rc"
}
trap 'on_signal SIGINT' INT
trap 'on_signal SIGTERM' TERM
trap 'on_signal SIGHUP' HUP
trap on_exit EXIT

# Reports a service that exited, stops the rest, exits 1.
service_died() { # service
    local svc=$1 code=0
    wait "${PID[$svc]}" 2>/dev/null || code=$?
    unset 'PID[$svc]'
    log "$svc exited on its own with code $code"
    show_tail "$svc"
    log "stopping the other services (up.sh runs all of them or none)"
    stop_all
    exit 1
}

width=0
for svc in "${selected[@]}"; do
    if ((${#svc} > width)); then width=${#svc}; fi
done
for svc in "${selected[@]}"; do
    log_file=$LOG_DIR/$svc.log
    printf '==== %s up.sh: dotnet %s\n' "$(date -Is)" "$(dll_of "$svc")" >"$log_file"
    prefix=$(printf "%-$((width + 2))s " "[$svc]")
    # Output: the raw lines to the log, prefixed ones to the terminal. The pipeline ignores INT/TERM so it
    # still carries the service's shutdown messages after a Ctrl-C; it ends when the service does.
    ASPNETCORE_URLS=http://127.0.0.1:${PORT[$svc]} dotnet "$(dll_of "$svc")" </dev/null \
        > >(trap '' INT TERM HUP; tee -a "$log_file" | sed -u "s/^/$prefix/") 2>&1 &
    PID[$svc]=$!
    log "started $svc (pid ${PID[$svc]}, http://127.0.0.1:${PORT[$svc]}, log $log_file)"
done

ready_url() { printf 'http://127.0.0.1:%s/health/ready' "${PORT[$1]}"; }
started=$SECONDS
pending=("${selected[@]}")
while [[ ${#pending[@]} -gt 0 ]]; do
    still=()
    for svc in "${pending[@]}"; do
        alive "${PID[$svc]}" || service_died "$svc"
        if curl -fsS -o /dev/null --max-time 2 "$(ready_url "$svc")" 2>/dev/null; then
            log "$svc is ready ($((SECONDS - started))s)"
        else
            still+=("$svc")
        fi
    done
    pending=("${still[@]}")
    [[ ${#pending[@]} -gt 0 ]] || break
    if ((SECONDS - started >= READY_TIMEOUT)); then
        for svc in "${pending[@]}"; do
            code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$(ready_url "$svc")" 2>/dev/null || true)
            if [[ -n $code && $code != 000 ]]; then code="HTTP $code"; else code="no connection"; fi
            log "$svc is not ready after ${READY_TIMEOUT}s ($(ready_url "$svc"): $code)"
            show_tail "$svc"
        done
        log "stopping everything (up.sh runs all of them or none)"
        exit 1
    fi
    sleep 1
done

# ---------------------------------------------------------------------------------------------- monitoring

# Writes the local Prometheus and Alertmanager configs under $MON_DIR (rewritten on every start).
write_monitoring_config() {
    local svc target
    # Alertmanager starts with no memory of earlier runs: an alert sent again (the README's sample) is delivered again.
    rm -rf "$MON_DIR/alertmanager-data"
    mkdir -p "$MON_DIR/prometheus-data" "$MON_DIR/alertmanager-data"
    # The token Alertmanager presents to the ingress: the alertmanager source's, as up.sh configured it above.
    (umask 077 && printf '%s' "${Ingress__Sources__alertmanager__Token:-$INGRESS_ALERTMANAGER_TOKEN}" >"$MON_DIR/ingress-token")
    cat >"$MON_DIR/alertmanager.yml" <<EOF
# Written by deploy/local/up.sh on every start: the local variant of deploy/monitoring/alertmanager.yml.
route:
  receiver: agents-ingress
  group_by: [alertname, service]
  group_wait: 1s
  group_interval: 5s
  repeat_interval: 4h
  routes:
    - receiver: heartbeat-nowhere
      matchers: ['alertname="Watchdog"', 'system="agents"']
    - receiver: system-alerts-nowhere
      matchers: ['system="agents"']
receivers:
  # Production: a dead man's switch outside the cluster, and PagerDuty. Here they only show in Alertmanager's UI.
  - name: heartbeat-nowhere
  - name: system-alerts-nowhere
  - name: agents-ingress
    webhook_configs:
      - url: ${AGENTS_INGRESS}/webhooks/alertmanager
        send_resolved: true
        http_config:
          authorization:
            type: Bearer
            credentials_file: $MON_DIR/ingress-token
EOF
    {
        printf '%s\n' "# Written by deploy/local/up.sh on every start." \
            "global:" "  scrape_interval: 5s" "  scrape_timeout: 4s" "  evaluation_interval: 5s" \
            "rule_files:" "  - $RULES" \
            "alerting:" "  alertmanagers:" "    - static_configs:" "        - targets: ['127.0.0.1:$ALERTMANAGER_PORT']" \
            "scrape_configs:"
        for svc in "${selected[@]}"; do
            printf '%s\n' "  - job_name: $svc" "    static_configs:" "      - targets: ['127.0.0.1:${PORT[$svc]}']"
        done
        if [[ -n ${RABBITMQ_PROMETHEUS_URL:-} ]]; then
            target=${RABBITMQ_PROMETHEUS_URL#*://}
            target=${target%%/*}
            printf '%s\n' "  - job_name: rabbitmq" "    static_configs:" "      - targets: ['$target']" \
                "  - job_name: rabbitmq-queues" "    metrics_path: /metrics/detailed" \
                "    params:" "      family: [queue_coarse_metrics, queue_consumer_count]" \
                "    static_configs:" "      - targets: ['$target']"
        fi
    } >"$MON_DIR/prometheus.yml"
}

start_monitoring() {
    local name binary port deadline
    write_monitoring_config
    if [[ -z ${RABBITMQ_PROMETHEUS_URL:-} ]]; then
        log "RabbitMQ's Prometheus endpoint is off (AGENTS_RABBITMQ_PROMETHEUS_PORT=0): no queue depths, RabbitMQDown fires"
    elif ! curl -fsS -o /dev/null --max-time 3 "$RABBITMQ_PROMETHEUS_URL/metrics" 2>/dev/null; then
        log "RabbitMQ does not serve $RABBITMQ_PROMETHEUS_URL/metrics (a node started before deps.sh enabled the plugin?): deploy/local/deps.sh restart rabbitmq"
    fi
    for name in alertmanager prometheus; do
        if [[ $name == alertmanager ]]; then
            binary=/usr/bin/prometheus-alertmanager port=$ALERTMANAGER_PORT
            set -- --config.file="$MON_DIR/alertmanager.yml" --storage.path="$MON_DIR/alertmanager-data" \
                --web.listen-address="127.0.0.1:$port" --web.external-url="http://127.0.0.1:$port/" --cluster.listen-address=
        else
            binary=/usr/bin/prometheus port=$PROMETHEUS_PORT
            set -- --config.file="$MON_DIR/prometheus.yml" --storage.tsdb.path="$MON_DIR/prometheus-data" \
                --storage.tsdb.retention.time=2d --web.listen-address="127.0.0.1:$port" --web.external-url="http://127.0.0.1:$port/"
        fi
        printf '==== %s up.sh: %s %s\n' "$(date -Is)" "$binary" "$*" >"$LOG_DIR/$name.log"
        prefix=$(printf "%-$((width + 2))s " "[$name]")
        "$binary" "$@" </dev/null > >(trap '' INT TERM HUP; tee -a "$LOG_DIR/$name.log" | sed -u "s/^/$prefix/" | grep --line-buffered -E 'level=(warn|error)') 2>&1 &
        PID[$name]=$!
        deadline=$((SECONDS + READY_TIMEOUT))
        until curl -fsS -o /dev/null --max-time 2 "http://127.0.0.1:$port/-/ready" 2>/dev/null; do
            alive "${PID[$name]}" || service_died "$name"
            if ((SECONDS >= deadline)); then
                show_tail "$name"
                die "$name is not ready after ${READY_TIMEOUT}s (http://127.0.0.1:$port/-/ready)"
            fi
            sleep 0.5
        done
        log "$name is ready (pid ${PID[$name]}, http://127.0.0.1:$port, log $LOG_DIR/$name.log)"
    done
}

if [[ -n $monitoring ]]; then
    start_monitoring
    monitoring_lines=" Prometheus:   http://127.0.0.1:$PROMETHEUS_PORT  (rules: deploy/monitoring/rules/agents.rules.yml; alerts: /alerts)
 Alertmanager: http://127.0.0.1:$ALERTMANAGER_PORT  (hands alerts to the ingress; the system's own go nowhere here)
"
    sample_alert="amtool alert add alertname=HighErrorRate service=auth-service severity=critical --alertmanager.url=http://127.0.0.1:$ALERTMANAGER_PORT (README, Run it)"
else
    monitoring_lines=""
    sample_alert="deploy/local/publish.sh alerts deploy/samples/alertmanager-firing.json"
fi

api_line="http://127.0.0.1:${PORT[api]}  (e.g. curl -s -H \"Authorization: Bearer \$AGENTS_API_KEY\" http://127.0.0.1:${PORT[api]}/incidents)"
[[ " ${selected[*]} " == *" api "* ]] || api_line="not started (deploy/local/up.sh api ...)"
cat <<EOF

================================ ready ================================
 Services:     ${selected[*]}
 API:          $api_line
 RabbitMQ UI:  $RABBITMQ_MGMT_URL  (user ${RABBITMQ_MGMT_USER:-guest}, password ${RABBITMQ_MGMT_PASS:-guest})
${monitoring_lines} Sample alert: ${sample_alert}
 API key:      local_admin (role admin): eval "\$(deploy/local/deps.sh env)" sets AGENTS_API_KEY (kept in $STATE_DIR/api-keys.env)
 Webhooks:     ${AGENTS_INGRESS}/webhooks/alertmanager|pagerduty|generic  (secrets: deploy/local/deps.sh env)
 Logs:         $LOG_DIR/<service>.log
 Ctrl-C stops the services; RabbitMQ and PostgreSQL keep running
 (deploy/local/deps.sh down stops them).
=======================================================================

EOF

# Watch: any service that exits on its own takes the others down with it.
while true; do
    for svc in "${!PID[@]}"; do
        alive "${PID[$svc]}" || service_died "$svc"
    done
    sleep 1
done
