#!/usr/bin/env bash
# deploy/local/eval.sh [FOLDER...] — the evaluation suite (eval/README.md): runs scenario folders through the real agent
# services (every service its own process, a virtual host and database of their own; the rule brains, or a model when
# Llm__* configures one), a real Prometheus backfilled with promtool and the logs fake, and prints per scenario the
# expected and concluded category, the status, time and tokens, where a conclusion differs (step by step against the
# recorded one for an exported incident), accuracy per agent and per category, and a confusion table of categories.
# With no FOLDER it runs eval/scenarios/*, exports every incident it ran through GET /incidents/{id}/scenario into
# ${AGENTS_STATE_DIR:-<repo>/.local}/eval/exported and replays those on a fresh system (the replay section).
# Writes a JSON report (EVAL_REPORT, default ${AGENTS_STATE_DIR:-<repo>/.local}/eval/report.json). Last line:
#
#   overall: 95.2%
#
# With no FOLDER it runs eval/scenarios/* and fails (exit 3) when overall is below EVAL_MIN_ACCURACY (default 90);
# with FOLDERs (a scenario folder, or a folder of them: e.g. a replay of exported incidents) the minimum is 0 unless
# EVAL_MIN_ACCURACY is set. Exits non-zero (1) when it could not run.
set -euo pipefail

SCRIPT_DIR=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd -- "$SCRIPT_DIR/../.." && pwd)

case ${1:-} in -h | --help)
    sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}" >&2
    exit 0
    ;;
esac

default_minimum=90
[[ $# -eq 0 ]] || default_minimum=0
minimum=${EVAL_MIN_ACCURACY:-$default_minimum}
folders=()
for folder in "$@"; do
    folders+=("$(cd -- "$folder" && pwd)") || { echo "eval: no folder $folder" >&2; exit 1; }
done

command -v promtool >/dev/null 2>&1 || { echo "eval: promtool is missing (apt-get install prometheus)" >&2; exit 1; }
"$SCRIPT_DIR/deps.sh" up >&2
eval "$("$SCRIPT_DIR/deps.sh" env)"
if [[ ${EVAL_NO_BUILD:-} != 1 ]]; then
    dotnet build "$REPO_ROOT/tests/Agents.Eval" -c Release -nologo -v quiet >&2 || { echo "eval: build failed" >&2; exit 1; }
fi
state=${AGENTS_STATE_DIR:-$REPO_ROOT/.local}
report=${EVAL_REPORT:-$state/eval/report.json}
replay=()
if [[ ${#folders[@]} -eq 0 ]]; then
    # The suite's incidents, exported through GET /incidents/{id}/scenario, then replayed on a fresh system.
    rm -rf "$state/eval/exported"
    replay=(--export "$state/eval/exported" --replay-exports)
fi
exec dotnet run -c Release --no-build --project "$REPO_ROOT/tests/Agents.Eval" -- \
    --report "$report" --min-accuracy "$minimum" "${replay[@]}" "${folders[@]}"
