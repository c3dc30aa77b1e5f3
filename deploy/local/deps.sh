#!/usr/bin/env bash
# deploy/local/deps.sh — the local servers the system needs, without Docker: a private RabbitMQ node
# (with the management plugin) and a private PostgreSQL 15 cluster, both on loopback only, both keeping
# their data in the state dir ${AGENTS_STATE_DIR:-<repo>/.local} (subdirs rabbitmq/, postgres/, logs/).
#
#   deps.sh up      [rabbitmq|postgres]  install what is missing (apt), start what is not running, wait until ready
#   deps.sh down    [rabbitmq|postgres]  stop them (data is kept)
#   deps.sh restart [rabbitmq|postgres]  down, then up
#   deps.sh status  [rabbitmq|postgres]  say what runs; exit 0 when all asked for are up, 3 otherwise
#   deps.sh env     [rabbitmq|postgres]  print `export` lines for the services and tests:
#                                          eval "$(deploy/local/deps.sh env)"
#   deps.sh pid     rabbitmq|postgres    print the server's main process id (for fault tests: kill -9)
#   deps.sh ctl     ARGS...              rabbitmqctl against the local node (e.g. `deps.sh ctl stop_app`)
#
# `up` also installs redis-server when it is missing: the tests start their own on a free loopback port
# (tests/Shared/RedisServer.cs), so no Redis daemon is started here.
#
# No second argument means both servers. Ports (environment overrides): AGENTS_RABBITMQ_PORT (AMQP, 5682),
# AGENTS_RABBITMQ_MGMT_PORT (15682), AGENTS_RABBITMQ_DIST_PORT (Erlang distribution, 25682),
# AGENTS_POSTGRES_PORT (5442); AGENTS_DEPS_TIMEOUT (seconds to wait for a server, 120).
# AGENTS_RABBITMQ_PROMETHEUS_PORT: where the node's rabbitmq_prometheus plugin serves /metrics (queue depths, error queues
# included, for deploy/monitoring); 15702 for the default node, off (0) for a node on other ports unless set. The node
# reads it when it starts: for a node started before, `deps.sh restart rabbitmq`.
# Credentials: RabbitMQ guest/guest (loopback only), PostgreSQL agents/agents (superuser, database agents).
# If a port is already served by a working server of the same kind that another state dir started (e.g. a
# second clone of the repo), `up` uses it and `down` leaves it alone. The node's Erlang cookie is a copy of
# ~/.erlang.cookie (created if missing), so `ctl` from any clone reaches whichever node serves the ports.
# Progress goes to stderr as `deps: ...`; only `env`, `status` and `pid` write to stdout.
set -euo pipefail -o errtrace
trap 'printf "deps: error: \"%s\" failed (exit %s, line %s)\n" "$BASH_COMMAND" "$?" "$LINENO" >&2' ERR

SCRIPT_DIR=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd -- "$SCRIPT_DIR/../.." && pwd)
STATE_DIR=${AGENTS_STATE_DIR:-$REPO_ROOT/.local}
[[ $STATE_DIR == /* ]] || STATE_DIR=$PWD/$STATE_DIR
RMQ_DIR=$STATE_DIR/rabbitmq
LOG_DIR=$STATE_DIR/logs

RABBITMQ_PORT=${AGENTS_RABBITMQ_PORT:-5682}
RABBITMQ_MGMT_PORT=${AGENTS_RABBITMQ_MGMT_PORT:-15682}
RABBITMQ_DIST_PORT=${AGENTS_RABBITMQ_DIST_PORT:-25682}
POSTGRES_PORT=${AGENTS_POSTGRES_PORT:-5442}
# Node names are unique per host: a second instance (other ports) gets its own.
if [[ $RABBITMQ_PORT == 5682 ]]; then RABBITMQ_NODE=agents@localhost; else RABBITMQ_NODE=agents-$RABBITMQ_PORT@localhost; fi
RABBITMQ_NODE=${AGENTS_RABBITMQ_NODENAME:-$RABBITMQ_NODE}
# The metrics port too: a second instance (e.g. a test's private node) has none unless it asks for one.
if [[ $RABBITMQ_PORT == 5682 ]]; then RABBITMQ_PROMETHEUS_PORT=15702; else RABBITMQ_PROMETHEUS_PORT=0; fi
RABBITMQ_PROMETHEUS_PORT=${AGENTS_RABBITMQ_PROMETHEUS_PORT:-$RABBITMQ_PROMETHEUS_PORT}
TIMEOUT=${AGENTS_DEPS_TIMEOUT:-120}
API_URL=http://127.0.0.1:5080
INGRESS_URL=http://127.0.0.1:5092

RMQ_BIN=/usr/lib/rabbitmq/bin
PG_BIN=${AGENTS_POSTGRES_BIN:-/usr/lib/postgresql/15/bin}
RMQ_PIDFILE=$RMQ_DIR/rabbitmq.pid
RMQ_LOG=$LOG_DIR/rabbitmq.log
RMQ_CRASH_DUMP=$LOG_DIR/rabbitmq-erl_crash.dump
PG_LOG=$LOG_DIR/postgres.log
MGMT_URL=http://127.0.0.1:$RABBITMQ_MGMT_PORT
REAL_HOME=${HOME:-}

log() { printf 'deps: %s\n' "$*" >&2; }
die() { printf 'deps: error: %s\n' "$*" >&2; exit 1; }

usage() {
    sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}" >&2
    exit "${1:-2}"
}

for p in "$RABBITMQ_PORT" "$RABBITMQ_MGMT_PORT" "$RABBITMQ_DIST_PORT" "$RABBITMQ_PROMETHEUS_PORT" "$POSTGRES_PORT" "$TIMEOUT"; do
    [[ $p =~ ^[0-9]+$ ]] || die "not a number: '$p' (check the AGENTS_* port/timeout variables)"
done

is_root() { [[ $(id -u) -eq 0 ]]; }

# Runs a command as root: directly when we are root, else through sudo (never prompting without a terminal).
as_root() {
    if is_root; then
        "$@"
    elif command -v sudo >/dev/null 2>&1; then
        if [[ -t 0 ]]; then sudo "$@"; else sudo -n "$@"; fi
    else
        die "need root (or sudo) to run: $*"
    fi
}

# True when something accepts TCP connections on 127.0.0.1:$1.
# True when process $1 exists and is not a zombie.
alive() { [[ -r /proc/$1/stat ]] && [[ $(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1) != Z ]]; }

port_open() { timeout 3 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null; }

# The pid listening on 127.0.0.1:$1, when ss can tell.
port_owner() { ss -ltnpH "sport = :$1" 2>/dev/null | grep -o 'pid=[0-9]*' | head -n 1 | cut -d= -f2 || true; }

# Closes every inherited file descriptor above 2 (our lock, a CI runner's pipes) so a daemon keeps none.
close_fds() {
    local fd
    for fd in "/proc/$BASHPID/fd/"*; do
        fd=${fd##*/}
        if [[ $fd =~ ^[0-9]+$ ]] && ((fd > 2)); then
            eval "exec $fd>&-" 2>/dev/null || true
        fi
    done
}

show_log_tail() { # file [lines]
    local file=$1
    if [[ -s $file ]]; then
        printf 'deps: ---- last lines of %s ----\n' "$file" >&2
        tail -n "${2:-40}" "$file" >&2 || true
        printf 'deps: ----\n' >&2
    fi
}

# ---------------------------------------------------------------------------------------------- packages

APT_UPDATED=
apt_install() {
    [[ $# -gt 0 ]] || return 0
    command -v apt-get >/dev/null 2>&1 || die "missing $* and no apt-get to install it: install it by hand"
    log "installing $* (apt-get; this takes a minute the first time)"
    if [[ -z $APT_UPDATED ]]; then
        as_root env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 update -qq >&2 \
            || die "apt-get update failed"
        APT_UPDATED=1
    fi
    as_root env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -qq \
        --no-install-recommends "$@" >&2 || die "apt-get install $* failed"
}

ensure_packages() { # servers...
    local -a pkgs=()
    local s
    command -v curl >/dev/null 2>&1 || pkgs+=(curl)
    # The tests start their own redis-server (tests/Shared/RedisServer.cs); only the binary is needed.
    command -v redis-server >/dev/null 2>&1 || pkgs+=(redis-server)
    for s in "$@"; do
        case $s in
            rabbitmq) [[ -x $RMQ_BIN/rabbitmq-server && -x $RMQ_BIN/rabbitmqctl ]] || pkgs+=(rabbitmq-server) ;;
            postgres) [[ -x $PG_BIN/initdb && -x $PG_BIN/pg_ctl && -x $PG_BIN/psql ]] || pkgs+=(postgresql-15) ;;
        esac
    done
    apt_install "${pkgs[@]}"
}

# ---------------------------------------------------------------------------------------------- rabbitmq

# The node's environment; called inside a subshell (it sets HOME: the Erlang cookie lives there).
rmq_env() {
    export HOME=$RMQ_DIR
    export RABBITMQ_NODENAME=$RABBITMQ_NODE
    export RABBITMQ_NODE_IP_ADDRESS=127.0.0.1
    export RABBITMQ_NODE_PORT=$RABBITMQ_PORT
    export RABBITMQ_DIST_PORT=$RABBITMQ_DIST_PORT
    export RABBITMQ_MNESIA_BASE=$RMQ_DIR/mnesia
    export RABBITMQ_LOG_BASE=$LOG_DIR
    export RABBITMQ_LOGS=$RMQ_LOG
    export RABBITMQ_PID_FILE=$RMQ_PIDFILE
    export RABBITMQ_ENABLED_PLUGINS_FILE=$RMQ_DIR/enabled_plugins
    export RABBITMQ_CONFIG_FILE=$RMQ_DIR/rabbitmq.conf
    export RABBITMQ_ADVANCED_CONFIG_FILE=$RMQ_DIR/advanced.config
    export RABBITMQ_CONF_ENV_FILE=$RMQ_DIR/rabbitmq-env.conf
    # Erlang distribution (the CLI's channel, which can run code on the node) on loopback only.
    export RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}"
    export ERL_EPMD_ADDRESS=127.0.0.1
    export ERL_CRASH_DUMP=$RMQ_CRASH_DUMP
}

rmq_ctl() { (rmq_env && cd "$RMQ_DIR" && exec "$RMQ_BIN/rabbitmqctl" "$@"); }

rmq_ctl_timeout() { # seconds args... (rabbitmqctl, ended if it takes longer)
    local t=$1
    shift
    (rmq_env && cd "$RMQ_DIR" && exec timeout "$t" "$RMQ_BIN/rabbitmqctl" "$@")
}

rmq_pid() { # prints the pid of our node when it runs
    local pid
    [[ -r $RMQ_PIDFILE ]] || return 1
    pid=$(tr -dc '0-9' <"$RMQ_PIDFILE")
    [[ -n $pid ]] && alive "$pid" && tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q beam \
        && printf '%s\n' "$pid"
}

mgmt_ready() { curl -fsS -o /dev/null --max-time 5 -u guest:guest "$MGMT_URL/api/overview" 2>/dev/null; }

# Another RabbitMQ (not started from this state dir) already answers on our ports.
rmq_foreign_ready() { port_open "$RABBITMQ_PORT" && mgmt_ready; }

new_cookie() { # file
    (umask 077 && od -An -N16 -tx1 /dev/urandom | tr -d ' \n' | tr 'a-f' 'A-F' >"$1") && chmod 400 "$1"
}

# The Erlang cookie: the user's own ~/.erlang.cookie (created if missing, as Erlang itself would), so that
# the CLI from any clone of the repo can reach a node another clone started; a private one as a fallback.
rmq_cookie() {
    local cookie=$RMQ_DIR/.erlang.cookie src=
    if [[ -n $REAL_HOME && $REAL_HOME != "$RMQ_DIR" ]]; then
        src=$REAL_HOME/.erlang.cookie
        if [[ ! -s $src ]] && [[ -d $REAL_HOME && -w $REAL_HOME ]]; then
            new_cookie "$src" || src=
        fi
        [[ -n $src && -r $src ]] || src=
    fi
    if [[ -n $src ]]; then
        if ! cmp -s "$src" "$cookie" 2>/dev/null; then
            rm -f "$cookie"
            install -m 400 "$src" "$cookie"
        fi
    elif [[ ! -s $cookie ]]; then
        new_cookie "$cookie"
    fi
}

rmq_write_config() {
    mkdir -p "$RMQ_DIR/mnesia" "$LOG_DIR"
    local metrics=
    if ((RABBITMQ_PROMETHEUS_PORT > 0)); then
        # rabbitmq_prometheus: /metrics (totals) and /metrics/detailed?family=queue_coarse_metrics (messages per queue).
        printf '[rabbitmq_management,rabbitmq_prometheus].\n' >"$RMQ_DIR/enabled_plugins"
        metrics="prometheus.tcp.ip = 127.0.0.1
prometheus.tcp.port = $RABBITMQ_PROMETHEUS_PORT"
    else
        printf '[rabbitmq_management].\n' >"$RMQ_DIR/enabled_plugins"
    fi
    cat >"$RMQ_DIR/rabbitmq.conf" <<EOF
# Written by deploy/local/deps.sh on every start; edit the script, not this file.
listeners.tcp.default = 127.0.0.1:$RABBITMQ_PORT
management.tcp.ip = 127.0.0.1
management.tcp.port = $RABBITMQ_MGMT_PORT
loopback_users.guest = true
log.console = false
log.file.level = info
# Queue and message counts in the management API refresh every second (default 5 s).
collect_statistics_interval = 1000
${metrics}
EOF
    : >"$RMQ_DIR/rabbitmq-env.conf"
    printf '[].\n' >"$RMQ_DIR/advanced.config"
}

# Waits for the pid file, then for the node to have started its applications (rabbitmqctl wait); gives up
# early when the Erlang VM wrote a crash dump.
rmq_wait_started() {
    local waiter
    (rmq_env && cd "$RMQ_DIR" && exec timeout $((TIMEOUT + 10)) "$RMQ_BIN/rabbitmqctl" -q wait --timeout "$TIMEOUT" "$RMQ_PIDFILE") \
        </dev/null >>"$LOG_DIR/rabbitmq-startup.log" 2>&1 &
    waiter=$!
    while kill -0 "$waiter" 2>/dev/null; do
        if [[ -s $RMQ_CRASH_DUMP ]]; then
            kill "$waiter" 2>/dev/null || true
            wait "$waiter" 2>/dev/null || true
            return 1
        fi
        sleep 1
    done
    wait "$waiter"
}

wait_mgmt() { # seconds
    local deadline=$((SECONDS + $1))
    until mgmt_ready; do
        ((SECONDS < deadline)) || return 1
        sleep 1
    done
}

rmq_up() {
    local started=$SECONDS pid
    if pid=$(rmq_pid); then
        if mgmt_ready; then
            log "rabbitmq: already running (pid $pid, amqp 127.0.0.1:$RABBITMQ_PORT, management $MGMT_URL)"
            return 0
        fi
        log "rabbitmq: running (pid $pid) but the management API does not answer yet; waiting"
        if ! wait_mgmt 15; then
            # e.g. after `rabbitmqctl stop_app`: the node runs without its applications.
            log "rabbitmq: still not answering; rabbitmqctl start_app"
            rmq_ctl_timeout 60 -q start_app </dev/null >>"$LOG_DIR/rabbitmq-startup.log" 2>&1 || true
        fi
    elif rmq_foreign_ready; then
        log "rabbitmq: 127.0.0.1:$RABBITMQ_PORT is already served by a RabbitMQ that this state dir did not start; using it"
        return 0
    else
        local p
        for p in "$RABBITMQ_PORT" "$RABBITMQ_MGMT_PORT" "$RABBITMQ_DIST_PORT" "$RABBITMQ_PROMETHEUS_PORT"; do
            ((p > 0)) || continue
            port_open "$p" && die "rabbitmq: port $p is already in use by something else (set AGENTS_RABBITMQ_*_PORT to move)"
        done
        if epmd_names | grep -q "^name ${RABBITMQ_NODE%@*} at port"; then
            die "rabbitmq: a node named $RABBITMQ_NODE already runs (not from this state dir, and not answering on our ports); stop it or set AGENTS_RABBITMQ_NODENAME"
        fi
        mkdir -p "$RMQ_DIR" "$LOG_DIR"
        rmq_write_config
        rmq_cookie
        rm -f "$RMQ_PIDFILE"
        if [[ -e $RMQ_CRASH_DUMP ]]; then mv -f "$RMQ_CRASH_DUMP" "$RMQ_CRASH_DUMP.old"; fi
        log "rabbitmq: starting node $RABBITMQ_NODE (amqp 127.0.0.1:$RABBITMQ_PORT, data $RMQ_DIR)"
        printf '\n==== %s deps.sh: starting rabbitmq-server -detached\n' "$(date -Is)" >>"$LOG_DIR/rabbitmq-startup.log"
        (close_fds && rmq_env && cd "$RMQ_DIR" && exec setsid "$RMQ_BIN/rabbitmq-server" -detached) \
            </dev/null >>"$LOG_DIR/rabbitmq-startup.log" 2>&1 \
            || { show_log_tail "$LOG_DIR/rabbitmq-startup.log"; die "rabbitmq: rabbitmq-server -detached failed"; }
        if ! rmq_wait_started; then
            show_log_tail "$LOG_DIR/rabbitmq-startup.log" 20
            show_log_tail "$RMQ_LOG"
            if [[ -s $RMQ_CRASH_DUMP ]]; then
                log "rabbitmq: the Erlang VM crashed: $(grep -m 1 '^Slogan' "$RMQ_CRASH_DUMP" || true) (dump $RMQ_CRASH_DUMP)"
            fi
            die "rabbitmq: the node did not start (waited at most ${TIMEOUT}s; logs: $LOG_DIR)"
        fi
    fi
    if ! wait_mgmt "$TIMEOUT"; then
        show_log_tail "$RMQ_LOG"
        die "rabbitmq: the management API ($MGMT_URL/api/overview) did not answer within ${TIMEOUT}s"
    fi
    log "rabbitmq: ready in $((SECONDS - started))s (pid $(rmq_pid || echo '?'), amqp 127.0.0.1:$RABBITMQ_PORT, management $MGMT_URL, guest/guest)"
}

epmd_bin() { command -v epmd 2>/dev/null || ls /usr/lib/erlang/erts-*/bin/epmd 2>/dev/null | head -n 1; }

# `epmd -names` lists the registered nodes as "name X at port N" (nothing when epmd does not run).
epmd_names() {
    local epmd
    epmd=$(epmd_bin) || return 0
    [[ -n $epmd ]] || return 0
    ERL_EPMD_ADDRESS=127.0.0.1 "$epmd" -names 2>/dev/null || true
}

# epmd (started by the first Erlang node) stays after the node stops; end it when no node is left.
epmd_cleanup() {
    local names
    names=$(epmd_names)
    if grep -q '^epmd: up' <<<"$names" && ! grep -q '^name ' <<<"$names"; then
        ERL_EPMD_ADDRESS=127.0.0.1 "$(epmd_bin)" -kill >/dev/null 2>&1 || true
    fi
}

rmq_down() {
    local pid i
    if ! pid=$(rmq_pid); then
        if rmq_foreign_ready; then
            local owner
            owner=$(port_owner "$RABBITMQ_PORT")
            log "rabbitmq: not started from this state dir; 127.0.0.1:$RABBITMQ_PORT is served by another RabbitMQ, left alone${owner:+ (pid $owner: stop it from its own state dir, or kill $owner)}"
        else
            log "rabbitmq: not running"
        fi
        rm -f "$RMQ_PIDFILE"
        return 0
    fi
    log "rabbitmq: stopping (pid $pid)"
    rmq_cookie 2>/dev/null || true
    if ! rmq_ctl_timeout 60 -q stop "$RMQ_PIDFILE" </dev/null >>"$LOG_DIR/rabbitmq-startup.log" 2>&1; then
        log "rabbitmq: rabbitmqctl stop failed; sending TERM"
        kill -TERM "$pid" 2>/dev/null || true
    fi
    for ((i = 0; i < 30; i++)); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 1
    done
    if kill -0 "$pid" 2>/dev/null; then
        log "rabbitmq: still running after 30s; sending KILL"
        kill -KILL "$pid" 2>/dev/null || true
        sleep 1
    fi
    rm -f "$RMQ_PIDFILE"
    epmd_cleanup
    log "rabbitmq: stopped"
}

rmq_status() {
    local pid
    if pid=$(rmq_pid); then
        if mgmt_ready; then
            echo "rabbitmq: running (pid $pid, node $RABBITMQ_NODE, amqp 127.0.0.1:$RABBITMQ_PORT, management $MGMT_URL, data $RMQ_DIR)"
            return 0
        fi
        echo "rabbitmq: starting or unhealthy (pid $pid; management API $MGMT_URL not answering; log $RMQ_LOG)"
        return 3
    elif rmq_foreign_ready; then
        echo "rabbitmq: running, not from this state dir (amqp 127.0.0.1:$RABBITMQ_PORT, management $MGMT_URL)"
        return 0
    fi
    echo "rabbitmq: stopped"
    return 3
}

# ---------------------------------------------------------------------------------------------- postgres

# Where the cluster lives. As root the server runs as the OS user postgres, which must be able to reach
# the data dir; when it cannot (e.g. the repo is under /root), the cluster goes to /var/tmp instead.
pg_paths() {
    PG_HOME=$STATE_DIR/postgres
    if is_root; then
        id -u postgres >/dev/null 2>&1 || die "postgres: the OS user 'postgres' does not exist (is postgresql-15 installed?)"
        if [[ ! -d $PG_HOME/data ]] && ! { mkdir -p "$STATE_DIR" && runuser -u postgres -- test -x "$STATE_DIR" 2>/dev/null; }; then
            PG_HOME=/var/tmp/agents-postgres-$(printf '%s' "$STATE_DIR" | md5sum | cut -c1-12)
        fi
    fi
    # A Unix socket path has at most 107 bytes.
    if ((${#PG_HOME} + 20 > 107)); then
        PG_SOCK=/tmp/agents-pg-$(id -u)-$POSTGRES_PORT
    else
        PG_SOCK=$PG_HOME
    fi
    PG_DATA=$PG_HOME/data
}

as_pg() { # run as the cluster's owner
    if is_root; then (cd / && runuser -u postgres -- "$@"); else "$@"; fi
}

pg_pid() {
    local pid
    [[ -r $PG_DATA/postmaster.pid ]] || return 1
    pid=$(head -n 1 "$PG_DATA/postmaster.pid" | tr -dc '0-9')
    [[ -n $pid ]] && alive "$pid" && grep -qE '^(postgres|postmaster)' "/proc/$pid/comm" 2>/dev/null \
        && printf '%s\n' "$pid"
}

pg_ready() { "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$POSTGRES_PORT" -t 3 >/dev/null 2>&1; }

pg_agents_login() {
    PGPASSWORD=agents PGCONNECT_TIMEOUT=3 "$PG_BIN/psql" -X -q -A -t -h 127.0.0.1 -p "$POSTGRES_PORT" \
        -U agents -d agents -c 'select 1' >/dev/null 2>&1
}

pg_init() {
    mkdir -p "$PG_HOME" "$LOG_DIR"
    if [[ -d $PG_DATA && ! -f $PG_DATA/PG_VERSION ]]; then
        log "postgres: $PG_DATA is an unfinished cluster; creating it again"
        rm -rf "$PG_DATA"
    fi
    if is_root; then
        chown postgres:postgres "$PG_HOME"
        chmod 700 "$PG_HOME"
    fi
    if [[ $PG_SOCK != "$PG_HOME" ]]; then
        mkdir -p "$PG_SOCK"
        if is_root; then chown postgres:postgres "$PG_SOCK"; fi
        chmod 700 "$PG_SOCK"
    fi
    if [[ ! -f $PG_DATA/PG_VERSION ]]; then
        log "postgres: creating the cluster in $PG_DATA"
        as_pg "$PG_BIN/initdb" -D "$PG_DATA" -U postgres --auth-local=trust --auth-host=scram-sha-256 \
            --encoding=UTF8 --locale=C </dev/null >"$LOG_DIR/postgres-initdb.log" 2>&1 \
            || { show_log_tail "$LOG_DIR/postgres-initdb.log"; die "postgres: initdb failed"; }
        printf "\ninclude_if_exists = 'agents.conf'\n" | as_pg tee -a "$PG_DATA/postgresql.conf" >/dev/null
    fi
    # Rewritten on every start, so that a plain `pg_ctl -D $PG_DATA start` uses the same settings.
    printf '%s\n' "# Written by deploy/local/deps.sh on every start." \
        "listen_addresses = '127.0.0.1'" \
        "port = $POSTGRES_PORT" \
        "unix_socket_directories = '$PG_SOCK'" \
        "max_connections = 300" |
        as_pg tee "$PG_DATA/agents.conf" >/dev/null
}

pg_ensure_role() {
    "$PG_BIN/psql" -X -q -A -t -v ON_ERROR_STOP=1 -h "$PG_SOCK" -p "$POSTGRES_PORT" -U postgres -d postgres \
        >/dev/null 2>>"$PG_LOG" <<'SQL' || { show_log_tail "$PG_LOG" 10; die "postgres: could not create the role/database agents"; }
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'agents') THEN
        CREATE ROLE agents LOGIN SUPERUSER PASSWORD 'agents';
    END IF;
END
$$;
SELECT 'CREATE DATABASE agents OWNER agents' WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'agents')
\gexec
SQL
}

pg_up() {
    local started=$SECONDS pid
    pg_paths
    if pid=$(pg_pid); then
        if pg_ready; then
            pg_ensure_role
            log "postgres: already running (pid $pid, 127.0.0.1:$POSTGRES_PORT)"
            return 0
        fi
        log "postgres: running (pid $pid) but not accepting connections yet; waiting"
    elif port_open "$POSTGRES_PORT"; then
        if pg_agents_login; then
            log "postgres: 127.0.0.1:$POSTGRES_PORT is already served by a PostgreSQL that this state dir did not start (agents/agents works); using it"
            return 0
        fi
        die "postgres: port $POSTGRES_PORT is already in use by something else (set AGENTS_POSTGRES_PORT to move)"
    else
        pg_init
        [[ $PG_HOME == "$STATE_DIR/postgres" ]] || log "postgres: cluster kept in $PG_HOME (the user postgres cannot reach $STATE_DIR)"
        log "postgres: starting (127.0.0.1:$POSTGRES_PORT, data $PG_DATA)"
        printf '\n==== %s deps.sh: pg_ctl start\n' "$(date -Is)" >>"$PG_LOG"
        # No -l: the server writes to the log file we opened for it (the postgres user may not reach $LOG_DIR).
        # After a kill -9 of the postmaster alone, its children hold the old shared memory for a moment: retry.
        local attempt
        for attempt in 1 2 3; do
            if (close_fds && as_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" -w -t "$TIMEOUT" start) </dev/null >>"$PG_LOG" 2>&1; then
                break
            fi
            if ((attempt == 3)) || pg_pid >/dev/null; then
                show_log_tail "$PG_LOG"
                die "postgres: did not start within ${TIMEOUT}s (log $PG_LOG)"
            fi
            log "postgres: start failed; retrying"
            sleep 3
        done
    fi
    local deadline=$((SECONDS + TIMEOUT))
    until pg_ready; do
        if ((SECONDS >= deadline)); then
            show_log_tail "$PG_LOG"
            die "postgres: not accepting connections on 127.0.0.1:$POSTGRES_PORT after ${TIMEOUT}s"
        fi
        sleep 1
    done
    pg_ensure_role
    log "postgres: ready in $((SECONDS - started))s (pid $(pg_pid || echo '?'), 127.0.0.1:$POSTGRES_PORT, agents/agents, database agents)"
}

pg_down() {
    local pid i
    pg_paths
    if ! pid=$(pg_pid); then
        if port_open "$POSTGRES_PORT" && pg_agents_login; then
            local owner
            owner=$(port_owner "$POSTGRES_PORT")
            log "postgres: not started from this state dir; 127.0.0.1:$POSTGRES_PORT is served by another PostgreSQL, left alone${owner:+ (pid $owner: stop it from its own state dir, or kill $owner)}"
        else
            log "postgres: not running"
        fi
        return 0
    fi
    log "postgres: stopping (pid $pid)"
    if ! (close_fds && as_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" -m fast -w -t 60 stop) </dev/null >>"$PG_LOG" 2>&1; then
        log "postgres: pg_ctl stop failed; sending KILL"
        kill -KILL "$pid" 2>/dev/null || true
    fi
    for ((i = 0; i < 10; i++)); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 1
    done
    log "postgres: stopped"
}

pg_status() {
    local pid
    pg_paths
    if pid=$(pg_pid); then
        if pg_ready; then
            echo "postgres: running (pid $pid, 127.0.0.1:$POSTGRES_PORT, data $PG_DATA)"
            return 0
        fi
        echo "postgres: starting or unhealthy (pid $pid; not accepting connections; log $PG_LOG)"
        return 3
    elif port_open "$POSTGRES_PORT" && pg_agents_login; then
        echo "postgres: running, not from this state dir (127.0.0.1:$POSTGRES_PORT)"
        return 0
    fi
    echo "postgres: stopped"
    return 3
}

# ---------------------------------------------------------------------------------------------- env

# Prints VALUE quoted for the shell when it needs it (single quotes; embedded ones escaped).
shell_quote() {
    if [[ $1 =~ ^[A-Za-z0-9_./:@%+=,-]*$ ]]; then
        printf '%s' "$1"
    else
        printf "'%s'" "${1//\'/\'\\\'\'}"
    fi
}

# Local secrets, made once and kept (mode 600) in the state dir, the same on every later run:
# - ingress-secrets.env: the webhook ingress' (up.sh configures its sources alertmanager, pagerduty and generic with them);
# - api-keys.env: AGENTS_API_KEY, the local admin key of the API (up.sh configures its hash as the key local_admin).
INGRESS_SECRETS=$STATE_DIR/ingress-secrets.env
INGRESS_SECRET_NAMES=(INGRESS_ALERTMANAGER_TOKEN INGRESS_PAGERDUTY_SECRET INGRESS_GENERIC_SECRET)
API_KEYS=$STATE_DIR/api-keys.env
API_KEY_NAMES=(AGENTS_API_KEY)
local_secrets() { # file name...
    local file=$1 line name missing=()
    shift
    mkdir -p "$STATE_DIR"
    (umask 077 && touch "$file")
    # Read as data, never sourced; GENERATED_<name> so that a value set in the environment still wins.
    read_secrets() {
        while IFS= read -r line; do
            if [[ $line =~ ^([A-Z][A-Z_]+)=([0-9A-Za-z]{16,})$ ]]; then printf -v "GENERATED_${BASH_REMATCH[1]}" '%s' "${BASH_REMATCH[2]}"; fi
        done <"$file"
    }
    read_secrets
    for name in "$@"; do
        local generated=GENERATED_$name
        [[ -n ${!generated:-} ]] || missing+=("$name")
    done
    if [[ ${#missing[@]} -gt 0 ]]; then
        # Made once, under the lock, so that two first runs agree on them.
        (
            flock -w 30 8 || true
            for name in "${missing[@]}"; do
                # Another run may have made it meanwhile; an unusable line (empty, too short) is replaced.
                grep -qE "^$name=[0-9A-Za-z]{16,}\$" "$file" && continue
                sed -i "/^$name=/d" "$file"
                printf '%s=%s\n' "$name" "$(od -An -N24 -tx1 /dev/urandom | tr -d ' \n')" >>"$file"
            done
        ) 8>>"$file.lock"
        read_secrets
    fi
}

# Prints `export NAME=VALUE`; a NAME already set in the environment keeps its value (scripts only fill in defaults).
export_line() { # name default
    printf 'export %s=%s\n' "$1" "$(shell_quote "${!1:-$2}")"
}

print_env() { # servers...
    local s
    for s in "$@"; do
        case $s in
            rabbitmq)
                export_line RABBITMQ_URL "amqp://guest:guest@127.0.0.1:$RABBITMQ_PORT"
                export_line RABBITMQ_MGMT_URL "$MGMT_URL"
                export_line RABBITMQ_MGMT_USER guest
                export_line RABBITMQ_MGMT_PASS guest
                if ((RABBITMQ_PROMETHEUS_PORT > 0)); then
                    export_line RABBITMQ_PROMETHEUS_URL "http://127.0.0.1:$RABBITMQ_PROMETHEUS_PORT"
                fi
                export_line RABBITMQ_VHOST /
                ;;
            postgres)
                export_line POSTGRES_CONNECTION "Host=127.0.0.1;Port=$POSTGRES_PORT;Username=agents;Password=agents;Database=agents"
                ;;
        esac
    done
    if [[ $# -eq 2 ]]; then
        export_line AGENTS_API "$API_URL"
        export_line AGENTS_INGRESS "$INGRESS_URL"
        local name
        local_secrets "$INGRESS_SECRETS" "${INGRESS_SECRET_NAMES[@]}"
        local_secrets "$API_KEYS" "${API_KEY_NAMES[@]}"
        for name in "${INGRESS_SECRET_NAMES[@]}" "${API_KEY_NAMES[@]}"; do
            local generated=GENERATED_$name
            export_line "$name" "${!generated:-}"
        done
    fi
}

# ---------------------------------------------------------------------------------------------- main

lock() {
    mkdir -p "$STATE_DIR"
    exec 9>"$STATE_DIR/.deps.lock"
    if ! flock -n 9; then
        log "another deps.sh is starting or stopping servers for $STATE_DIR; waiting for it"
        flock -w 600 9 || die "gave up waiting for the lock $STATE_DIR/.deps.lock"
    fi
}

cmd=${1:-}
[[ -n $cmd ]] || usage
shift
case $cmd in -h | --help | help) usage 0 ;; esac

if [[ $cmd == ctl ]]; then
    [[ -x $RMQ_BIN/rabbitmqctl ]] || die "rabbitmq-server is not installed: run deps.sh up first"
    mkdir -p "$RMQ_DIR" "$LOG_DIR"
    rmq_pid >/dev/null || rmq_cookie
    rmq_ctl "$@"
    exit
fi

case ${1:-} in
    '') servers=(rabbitmq postgres) ;;
    rabbitmq | postgres) servers=("$1") ;;
    *) die "unknown server '$1' (rabbitmq or postgres)" ;;
esac
[[ $# -le 1 ]] || die "too many arguments: $*"

case $cmd in
    up)
        lock
        ensure_packages "${servers[@]}"
        for s in "${servers[@]}"; do
            case $s in rabbitmq) rmq_up ;; postgres) pg_up ;; esac
        done
        ;;
    down)
        lock
        for s in "${servers[@]}"; do
            case $s in
                rabbitmq) if [[ -x $RMQ_BIN/rabbitmqctl ]]; then rmq_down; else log "rabbitmq: not installed"; fi ;;
                postgres) if [[ -x $PG_BIN/pg_ctl ]]; then pg_down; else log "postgres: not installed"; fi ;;
            esac
        done
        log "data kept in $STATE_DIR (delete it for a clean slate)"
        ;;
    restart)
        lock
        ensure_packages "${servers[@]}"
        for s in "${servers[@]}"; do
            case $s in
                rabbitmq)
                    rmq_down
                    rmq_up
                    ;;
                postgres)
                    pg_down
                    pg_up
                    ;;
            esac
        done
        ;;
    status)
        rc=0
        for s in "${servers[@]}"; do
            case $s in
                rabbitmq) if [[ -x $RMQ_BIN/rabbitmqctl ]]; then rmq_status || rc=3; else echo "rabbitmq: not installed"; rc=3; fi ;;
                postgres) if [[ -x $PG_BIN/pg_ctl ]]; then pg_status || rc=3; else echo "postgres: not installed"; rc=3; fi ;;
            esac
        done
        exit "$rc"
        ;;
    env)
        print_env "${servers[@]}"
        ;;
    pid)
        [[ ${#servers[@]} -eq 1 ]] || die "pid needs a server: rabbitmq or postgres"
        case ${servers[0]} in
            rabbitmq) rmq_pid || die "rabbitmq: not running from this state dir" ;;
            postgres) pg_paths && { pg_pid || die "postgres: not running from this state dir"; } ;;
        esac
        ;;
    *)
        printf 'deps: unknown command %s\n\n' "$cmd" >&2
        usage 2
        ;;
esac
