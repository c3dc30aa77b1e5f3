#!/usr/bin/env bash
# deploy/local/publish.sh EXCHANGE FILE [ROUTING_KEY] — publishes FILE's contents ("-" for stdin) to EXCHANGE
# on the local RabbitMQ as one plain message (no MassTransit envelope; content_type application/json,
# persistent), through the management HTTP API. E.g. the sample alert:
#
#   deploy/local/publish.sh alerts deploy/samples/alertmanager-firing.json
#
# Where: $RABBITMQ_MGMT_URL, $RABBITMQ_MGMT_USER/$RABBITMQ_MGMT_PASS and $RABBITMQ_VHOST, or when unset what
# `deploy/local/deps.sh env` says. It does not start RabbitMQ (deploy/local/deps.sh up does). The exchange is
# declared by the services when they start (deploy/local/up.sh); an empty EXCHANGE or amq.default is the
# default exchange (the routing key is then a queue name).
# Prints the broker's answer ({"routed":true} or {"routed":false}); exit 0 when the message was routed to at
# least one queue, 1 when it was not or on any error, 2 on bad arguments.
set -euo pipefail

SCRIPT_DIR=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)

log() { printf 'publish: %s\n' "$*" >&2; }
die() { printf 'publish: error: %s\n' "$*" >&2; exit 1; }
usage() {
    sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}" >&2
    exit "${1:-2}"
}

case ${1:-} in -h | --help) usage 0 ;; esac
[[ $# -ge 2 && $# -le 3 ]] || usage 2
exchange=$1
file=$2
routing_key=${3:-}

# jq builds the JSON body (the payload is the file's text, escaped) and reads the answer; curl talks HTTP.
missing=()
command -v jq >/dev/null 2>&1 || missing+=(jq)
command -v curl >/dev/null 2>&1 || missing+=(curl)
if [[ ${#missing[@]} -gt 0 ]]; then
    command -v apt-get >/dev/null 2>&1 || die "${missing[*]} missing: install it"
    log "installing ${missing[*]} (apt-get)"
    if [[ $(id -u) -eq 0 ]]; then sudo=(); elif command -v sudo >/dev/null 2>&1; then sudo=(sudo); else die "${missing[*]} missing and no sudo: install it"; fi
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 update -qq >&2
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -qq \
        --no-install-recommends "${missing[@]}" >&2 || die "apt-get install ${missing[*]} failed"
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

if [[ $file == - ]]; then
    cat >"$tmp/payload"
    file=$tmp/payload
    shown=stdin
else
    [[ -f $file && -r $file ]] || die "no readable file '$file'"
    shown=$file
fi
if ! jq empty "$file" >/dev/null 2>&1; then
    log "warning: $shown is not valid JSON; publishing it anyway (content_type application/json)"
fi

if [[ -z ${RABBITMQ_MGMT_URL:-} ]]; then # take deps.sh's values for what is not set
    given_user=${RABBITMQ_MGMT_USER:-} given_pass=${RABBITMQ_MGMT_PASS:-} given_vhost=${RABBITMQ_VHOST:-}
    eval "$("$SCRIPT_DIR/deps.sh" env rabbitmq)"
    RABBITMQ_MGMT_USER=${given_user:-$RABBITMQ_MGMT_USER}
    RABBITMQ_MGMT_PASS=${given_pass:-$RABBITMQ_MGMT_PASS}
    RABBITMQ_VHOST=${given_vhost:-$RABBITMQ_VHOST}
fi
mgmt=${RABBITMQ_MGMT_URL%/}
auth=${RABBITMQ_MGMT_USER:-guest}:${RABBITMQ_MGMT_PASS:-guest}
vhost=${RABBITMQ_VHOST:-/}
[[ -n $exchange ]] || exchange=amq.default

uri() { jq -rn --arg v "$1" '$v | @uri'; }
exchange_url="$mgmt/api/exchanges/$(uri "$vhost")/$(uri "$exchange")"

# The exchange must exist: publishing to a missing one is an error the API reports less clearly.
code=$(curl -sS -o "$tmp/exchange" -w '%{http_code}' --max-time 10 -u "$auth" "$exchange_url" 2>"$tmp/curl.err") || code=000
case $code in
    200) ;;
    000) die "RabbitMQ's management API does not answer at $mgmt ($(tr -d '\n' <"$tmp/curl.err")); start it with deploy/local/deps.sh up" ;;
    401) die "the management API refused the credentials ${auth%%:*}/*** at $mgmt" ;;
    404) die "exchange '$exchange' does not exist (yet) in vhost '$vhost': the services declare it when they start (deploy/local/up.sh); nothing was published" ;;
    *) die "GET $exchange_url answered HTTP $code: $(head -c 300 "$tmp/exchange")" ;;
esac
type=$(jq -r '.type // "?"' "$tmp/exchange")

jq -n --rawfile payload "$file" --arg rk "$routing_key" '{
    properties: { content_type: "application/json", delivery_mode: 2 },
    routing_key: $rk,
    payload: $payload,
    payload_encoding: "string"
}' >"$tmp/body"

code=$(curl -sS -o "$tmp/answer" -w '%{http_code}' --max-time 30 -u "$auth" -H 'content-type: application/json' \
    -X POST --data-binary "@$tmp/body" "$exchange_url/publish" 2>"$tmp/curl.err") || code=000
[[ $code == 200 ]] || die "publishing failed (HTTP $code): $(head -c 300 "$tmp/answer" 2>/dev/null)$(tr -d '\n' <"$tmp/curl.err")"

answer=$(jq -c . "$tmp/answer")
bytes=$(wc -c <"$file" | tr -d ' ')
echo "published $bytes bytes from $shown to exchange '$exchange' ($type) in vhost '$vhost', routing key '$routing_key': $answer"
if [[ $(jq -r '.routed' "$tmp/answer") != true ]]; then
    log "not routed: no queue is bound to '$exchange' for routing key '$routing_key', so the message was dropped (are the services running?)"
    exit 1
fi
