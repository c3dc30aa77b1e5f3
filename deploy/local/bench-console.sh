#!/usr/bin/env bash
# deploy/local/bench-console.sh [ENTRIES] [RUNS] — how long the operator console takes to render the incident page of
# an incident with ENTRIES timeline entries (default 500), RUNS times (default 50), with the console's own component
# as a request renders it (no broker, database or browser). Prints, e.g.
#
#   incident page, 500 timeline entries: cold 38.2 ms, median 0.9 ms, p95 1.6 ms over 50 renders, 150 KiB of HTML
#
# The browser's figure (navigation to load, through sign-in and the orchestrator) is written by
# tests/Agents.EndToEnd.Tests/ConsoleTests.cs to ${AGENTS_STATE_DIR:-.local}/test-results/screenshots/console-render.txt.
set -euo pipefail

SCRIPT_DIR=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd -- "$SCRIPT_DIR/../.." && pwd)

dotnet build "$REPO_ROOT/services/Agents.Api" -c Release -nologo -v quiet >&2
exec dotnet "$REPO_ROOT/services/Agents.Api/bin/Release/net10.0/Agents.Api.dll" console-bench "${1:-500}" "${2:-50}"
