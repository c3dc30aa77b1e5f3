#!/usr/bin/env bash
# deploy/local/test.sh [extra dotnet test args] — the whole test suite against the local servers:
# starts RabbitMQ and PostgreSQL (deploy/local/deps.sh up; installs them the first time), exports what
# `deps.sh env` prints, runs `dotnet test Agents.sln -c Release` with a TRX logger into
# ${AGENTS_STATE_DIR:-<repo>/.local}/test-results, and prints as its last line the totals over all TRX files:
#
#   57 passed, 0 failed
#
# Extra arguments go to dotnet test as they are, e.g. `deploy/local/test.sh --filter Category!=Slow`.
# Exits non-zero when dotnet test fails or when no test ran. Without a terminal (CI) the run is ended after
# AGENTS_TEST_TIMEOUT (default 75m), and servers this script started are stopped again at the end
# (AGENTS_TEST_KEEP_DEPS=1 keeps them); interactively they keep running (deploy/local/deps.sh down).
set -euo pipefail

SCRIPT_DIR=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd -- "$SCRIPT_DIR/../.." && pwd)
STATE_DIR=${AGENTS_STATE_DIR:-$REPO_ROOT/.local}
[[ $STATE_DIR == /* ]] || STATE_DIR=$PWD/$STATE_DIR
RESULTS=$STATE_DIR/test-results
DEPS=$SCRIPT_DIR/deps.sh

log() { printf 'test: %s\n' "$*" >&2; }

case ${1:-} in -h | --help)
    sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}" >&2
    exit 0
    ;;
esac

command -v dotnet >/dev/null 2>&1 || { log "error: dotnet is not on PATH (install the .NET 10 SDK)"; exit 1; }

interactive=
[[ -t 0 ]] && interactive=1
# In CI (no terminal) servers this run starts are stopped at the end.
to_stop=()
if [[ -z $interactive && ${AGENTS_TEST_KEEP_DEPS:-} != 1 ]]; then
    for s in rabbitmq postgres; do
        "$DEPS" status "$s" >/dev/null 2>&1 || to_stop+=("$s")
    done
fi
stop_deps() {
    local s
    for s in "${to_stop[@]}"; do
        "$DEPS" down "$s" || true
    done
    to_stop=()
}
trap stop_deps EXIT

"$DEPS" up
eval "$("$DEPS" env)"
export DOTNET_CLI_TELEMETRY_OPTOUT=${DOTNET_CLI_TELEMETRY_OPTOUT:-1} DOTNET_NOLOGO=${DOTNET_NOLOGO:-1}
if [[ -z $interactive ]]; then
    # No build servers left behind holding the CI runner's output open.
    export MSBUILDDISABLENODEREUSE=${MSBUILDDISABLENODEREUSE:-1} DOTNET_CLI_USE_MSBUILD_SERVER=${DOTNET_CLI_USE_MSBUILD_SERVER:-0}
fi

rm -rf "$RESULTS"
mkdir -p "$RESULTS"

# tests/Agents.Deploy.Tests validates docker-compose.yml with Debian's docker-compose and renders deploy/k8s with
# `kubectl kustomize`: install what is missing, the way deps.sh installs packages (apt-get as root, else through
# sudo; sudo -n without a terminal). kubectl: the `kubectl` package where Google's apt repository is configured,
# else Debian's kubernetes-client.
ensure_tool() { # ensure_tool COMMAND PACKAGE...
    local tool=$1
    shift
    command -v "$tool" >/dev/null 2>&1 && return 0
    install_for "$tool" "$@"
}
# Debian's python3 (/usr/bin/python3, where apt installs modules; a pyenv python3 on PATH does not see them).
ensure_python_module() { # ensure_python_module MODULE PACKAGE...
    local module=$1
    shift
    /usr/bin/python3 -c "import $module" >/dev/null 2>&1 && return 0
    install_for "python3 module $module" "$@"
}
install_for() { # install_for WHAT PACKAGE...: the first of PACKAGE... apt-get installs
    local tool=$1 package
    shift
    local as_root=()
    if [[ $(id -u) -ne 0 ]]; then
        if [[ -n $interactive ]]; then as_root=(sudo); else as_root=(sudo -n); fi
    fi
    log "installing $tool (apt-get) for the tests"
    "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 update -qq >&2 || true
    for package in "$@"; do
        if "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -qq \
            --no-install-recommends "$package" >&2; then
            return 0
        fi
    done
    log "warning: could not install $tool; the tests that need it will fail"
}
ensure_tool docker-compose docker-compose
ensure_tool kubectl kubectl kubernetes-client
# tests/Shared/MonitoringServers.cs runs a real Prometheus and Alertmanager (loopback, temp dirs; the packages start no
# daemon in a container, and the tests never use a system one).
ensure_tool prometheus prometheus
ensure_tool prometheus-alertmanager prometheus-alertmanager
# tests/Shared/RedisServer.cs runs a real Redis (loopback, a temp dir, no persistence) for the remediation executor's
# tests; the package's own daemon is not used.
ensure_tool redis-server redis-server
# tests/Shared/SmtpServer.cs runs a real SMTP server (aiosmtpd, loopback, a temp Maildir) for the email channel's tests.
ensure_python_module aiosmtpd python3-aiosmtpd
# tests/Agents.EndToEnd.Tests/ConsoleTests.cs clicks through the operator console in Debian's headless Chromium (Selenium).
ensure_tool chromium chromium
ensure_tool chromedriver chromium-driver

cmd=(dotnet test "$REPO_ROOT/Agents.sln" -c Release --logger trx --results-directory "$RESULTS" "$@")
log "running: ${cmd[*]}"
started=$SECONDS
rc=0
cd "$REPO_ROOT"
if [[ -n $interactive ]]; then
    "${cmd[@]}" || rc=$?
else
    # timeout signals its whole process group, so test hosts go too.
    timeout --kill-after=30s "${AGENTS_TEST_TIMEOUT:-75m}" "${cmd[@]}" </dev/null || rc=$?
    if [[ $rc -eq 124 || $rc -eq 137 ]]; then
        log "error: dotnet test did not finish within ${AGENTS_TEST_TIMEOUT:-75m}; ended it"
    fi
fi
log "dotnet test exited with $rc after $((SECONDS - started))s"

# The model brains against a real endpoint when Llm__* names one (skipped, with the reason printed, otherwise).
if [[ $rc -eq 0 ]]; then
    SMOKE_NO_BUILD=1 "$SCRIPT_DIR/smoke-llm.sh" || { log "error: smoke-llm.sh failed"; rc=1; }
fi
# The evaluation suite through the rule brains (eval/README.md): fails when it cannot run or overall falls below 90%.
[[ $rc -ne 0 ]] || "$SCRIPT_DIR/eval.sh" || { log "error: eval.sh failed (could not run, or accuracy below EVAL_MIN_ACCURACY)"; rc=1; }
# The short chaos run on servers of its own (deploy/local/chaos.sh): every service, RabbitMQ and PostgreSQL killed in turn
# while alerts come in; fails when an incident was lost, stuck, or acted on or paged twice.
[[ $rc -ne 0 ]] || CHAOS_INCIDENTS=${CHAOS_INCIDENTS:-60} CHAOS_RATE=${CHAOS_RATE:-2} "$SCRIPT_DIR/chaos.sh" \
    || { log "error: chaos.sh failed (an incident lost, stuck or duplicated, or the run could not start)"; rc=1; }

# <Counters total="3" executed="3" passed="3" failed="0" error="0" timeout="0" aborted="0" .../> per TRX file.
counter() { # name counters-element
    local v
    v=$(sed -n "s/.*[[:space:]]$1=\"\([0-9]*\)\".*/\1/p" <<<"$2")
    printf '%s' "${v:-0}"
}
passed=0
failed=0
files=0
while IFS= read -r -d '' trx; do
    counters=$(tr '\r\n' '  ' <"$trx" | grep -o '<Counters[[:space:]][^>]*>' | head -n 1 || true)
    if [[ -z $counters ]]; then
        log "warning: no <Counters> in $trx"
        continue
    fi
    files=$((files + 1))
    p=$(counter passed "$counters")
    f=$(($(counter failed "$counters") + $(counter error "$counters") + $(counter timeout "$counters") + $(counter aborted "$counters")))
    name=$(tr '\r\n' '  ' <"$trx" | grep -o 'storage="[^"]*"' | head -n 1 | sed 's/^storage="//;s/"$//' || true)
    name=${name##*/}
    log "${name:-${trx##*/}}: passed=$p failed=$f (total=$(counter total "$counters"))"
    passed=$((passed + p))
    failed=$((failed + f))
done < <(find "$RESULTS" -name '*.trx' -print0 2>/dev/null)

stop_deps

if [[ $files -eq 0 ]]; then
    log "error: no TRX results in $RESULTS (did the build fail?)"
    [[ $rc -ne 0 ]] || rc=1
elif [[ $((passed + failed)) -eq 0 ]]; then
    log "error: no test ran"
    [[ $rc -ne 0 ]] || rc=1
elif [[ $failed -gt 0 && $rc -eq 0 ]]; then
    rc=1
fi
echo "$passed passed, $failed failed"
exit "$rc"
