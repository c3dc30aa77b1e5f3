#!/usr/bin/env bash
# deploy/local/smoke-llm.sh — one call of each model brain (triage, investigation, remediation, notification, and the
# claims workflow's policy participant) against the real model the services' own Llm__* settings name, through the same
# client, prompts, schemas and checks the services use. Prints per brain whether the answer was usable, its tokens, the
# prompt version and the time, e.g.
#
#   smoke-llm: azure https://my-resource.openai.azure.com/ deployment gpt-4o api-version 2025-04-01-preview, reasoning False, temperature 0
#     triage           ok     1834 ms    612 in    88 out  triage.v1  {"Severity":"critical","Service":"auth-service",…
#
# and exits 1 when a brain got no usable answer. Without Llm__Endpoint it calls nothing, prints why and exits 0 (CI has
# no model; deploy/local/test.sh runs this after the tests). Needs neither RabbitMQ nor PostgreSQL.
#
#   Llm__Endpoint=https://my-resource.openai.azure.com/ Llm__Deployment=gpt-4o Llm__ApiKey=... deploy/local/smoke-llm.sh
#   Llm__Provider=openai Llm__Endpoint=http://127.0.0.1:11434/v1 Llm__Model=llama3.1:8b deploy/local/smoke-llm.sh
set -euo pipefail

SCRIPT_DIR=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd -- "$SCRIPT_DIR/../.." && pwd)
export DOTNET_CLI_TELEMETRY_OPTOUT=${DOTNET_CLI_TELEMETRY_OPTOUT:-1} DOTNET_NOLOGO=${DOTNET_NOLOGO:-1}

if [[ -z ${Llm__Endpoint:-} ]]; then
    echo "smoke-llm: skipped: Llm__Endpoint is not set (with Llm__Deployment and Llm__ApiKey for Azure OpenAI, or Llm__Provider=openai and Llm__Model); no model was called"
    exit 0
fi

cd "$REPO_ROOT"
build=()
[[ ${SMOKE_NO_BUILD:-} == 1 ]] && build=(--no-build)
exec dotnet run -c Release "${build[@]}" --project tests/Agents.Llm.Smoke/Agents.Llm.Smoke.csproj
