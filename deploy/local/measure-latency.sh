#!/usr/bin/env bash
# deploy/local/measure-latency.sh [RUNS] — time from publishing the sample alert to its incident's terminal
# status, on a running system (deploy/local/up.sh in another terminal).
#
# Publishes deploy/samples/deploy-auth-service.json to `deploys` once, then one warm-up run and RUNS
# (default 10) measured runs of deploy/samples/alertmanager-firing.json to `alerts`, each with a fresh
# fingerprint so that every run opens its own incident. A run's time is from just before the publish
# (the publish itself goes through the management HTTP API and is included) to the incident's last
# timeline entry (`updatedAt` of the terminal incident, same machine clock). Prints every run, then
#
#   publish -> Resolved: median 412 ms, min 380 ms, max 530 ms over 10 runs (warm-up 1450 ms)
#
# Exits 1 when a run does not end Resolved within 30 s.
set -euo pipefail

SCRIPT_DIR=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd -- "$SCRIPT_DIR/../.." && pwd)
RUNS=${1:-10}
ALERT=$REPO_ROOT/deploy/samples/alertmanager-firing.json
DEPLOY=$REPO_ROOT/deploy/samples/deploy-auth-service.json
SAMPLE_FINGERPRINT=a3f1c2d4e5b60718

die() { printf 'measure: error: %s\n' "$*" >&2; exit 1; }
case $RUNS in '' | *[!0-9]*) die "RUNS must be a positive number, got '$RUNS'" ;; esac
[[ $RUNS -ge 1 ]] || die "RUNS must be at least 1"

if [[ -z ${AGENTS_API:-} || -z ${AGENTS_API_KEY:-} ]]; then
    eval "$("$SCRIPT_DIR/deps.sh" env)"
fi
curl -fsS -o /dev/null --max-time 5 "$AGENTS_API/health/ready" 2>/dev/null \
    || die "the API at $AGENTS_API is not ready; start the system with deploy/local/up.sh"
# The API answers nobody without a credential: the local admin key deps.sh made (up.sh configures it).
code=$(curl -sS -o /dev/null -w '%{http_code}' --max-time 5 -H "Authorization: Bearer $AGENTS_API_KEY" "$AGENTS_API/incidents?limit=1" || true)
[[ $code == 200 ]] || die "the API refused AGENTS_API_KEY (HTTP $code): is it the key up.sh configured (deploy/local/deps.sh env)?"

now_ms() { date +%s%3N; }

# One incident summary (GET /incidents?fingerprint=) -> "status updatedAt", empty while there is none.
incident_state() {
    local body
    body=$(curl -fsS --max-time 5 -H "Authorization: Bearer $AGENTS_API_KEY" "$AGENTS_API/incidents?fingerprint=$1") || return 0
    local status updated
    status=$(grep -o '"status":"[A-Za-z]*"' <<<"$body" | head -n 1 | cut -d'"' -f4 || true)
    updated=$(grep -o '"updatedAt":"[^"]*"' <<<"$body" | head -n 1 | cut -d'"' -f4 || true)
    [[ -n $status ]] && printf '%s %s' "$status" "$updated"
    return 0
}

# Publishes the sample alert under a new fingerprint and prints the milliseconds until it ended Resolved.
run_once() {
    local fingerprint started state status updated deadline
    fingerprint=$(printf 'bench%011d' "$((RANDOM * 32768 + RANDOM))")
    started=$(now_ms)
    sed "s/$SAMPLE_FINGERPRINT/$fingerprint/" "$ALERT" | "$SCRIPT_DIR/publish.sh" alerts - >/dev/null
    deadline=$((started + 30000))
    while [[ $(now_ms) -lt $deadline ]]; do
        state=$(incident_state "$fingerprint")
        status=${state%% *}
        case $status in
        Resolved)
            updated=${state#* }
            echo $(($(date -d "$updated" +%s%3N) - started))
            return 0
            ;;
        Closed | Escalated) die "incident $fingerprint ended $status, not Resolved (GET $AGENTS_API/incidents?fingerprint=$fingerprint)" ;;
        esac
        sleep 0.02
    done
    die "incident $fingerprint did not end within 30 s (last status: ${status:-none})"
}

"$SCRIPT_DIR/publish.sh" deploys "$DEPLOY" >/dev/null
warmup=$(run_once)
echo "warm-up: $warmup ms"
times=()
for ((i = 1; i <= RUNS; i++)); do
    t=$(run_once)
    echo "run $i: $t ms"
    times+=("$t")
done

mapfile -t sorted < <(printf '%s\n' "${times[@]}" | sort -n)
n=${#sorted[@]}
if ((n % 2)); then
    median=${sorted[n / 2]}
else
    median=$(((sorted[n / 2 - 1] + sorted[n / 2]) / 2))
fi
echo "publish -> Resolved: median $median ms, min ${sorted[0]} ms, max ${sorted[n - 1]} ms over $n runs (warm-up $warmup ms)"
