#!/usr/bin/env bash
# The whole story with no Slack workspace: a slack-sink stands in for Slack, the seed's
# slack-generic is applied to watch every other flow, and the three other seed flows run
# unmodified. The demo keeps its own state in a temporary folder: your history stays as it is.
#
# Usage: scripts/demo.sh [path/to/flowctl]   (DEMO_ADDR=127.0.0.1:PORT to move the sink)
set -uo pipefail
cd "$(dirname "$0")/.."

bin=${1:-bin/flowctl}
addr=${DEMO_ADDR:-127.0.0.1:8099}
seed=examples/seed
tmp=$(mktemp -d)
export FLOWCTL_STATE=$tmp/state.db
sink=

cleanup() {
	[ -n "$sink" ] && kill -INT "$sink" 2>/dev/null && wait "$sink" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

step() { printf '\n\033[1m== %s\033[0m\n' "$*" >&2; }
[ -n "${NO_COLOR:-}" ] || [ ! -t 2 ] && step() { printf '\n== %s\n' "$*" >&2; }

step "start a slack-sink on $addr: it answers like Slack and prints each message"
"$bin" slack-sink --addr "$addr" &
sink=$!
for _ in $(seq 100); do
	(exec 3<>"/dev/tcp/${addr%:*}/${addr##*:}") 2>/dev/null && break
	kill -0 "$sink" 2>/dev/null || { echo "demo: the slack-sink did not start (DEMO_ADDR=127.0.0.1:PORT picks another port)" >&2; sink=; exit 2; }
	sleep 0.05
done
# The webhook URL, as flows read it: secret('SLACK_WEBHOOK') is the base64 of $SECRET_SLACK_WEBHOOK.
SECRET_SLACK_WEBHOOK=$(printf %s "http://$addr/services/T000/B000/XXXXXXXXXXXXXXXXXXXXXXXX" | base64 | tr -d '\n')
export SECRET_SLACK_WEBHOOK

step "flowctl flow apply $seed/slack-generic.yml   (its Flow trigger watches every other flow)"
"$bin" flow apply "$seed/slack-generic.yml" || exit 1

step "flowctl run $seed/slack-simple-message.yml   (one message, SUCCESS)"
"$bin" run "$seed/slack-simple-message.yml"
echo "exit code $?" >&2

step "flowctl run $seed/slack-error-message.yml   (a message, a failing Python task, the errors branch's message; slack-generic's summary)"
"$bin" run "$seed/slack-error-message.yml"
echo "exit code $?" >&2

step "flowctl run $seed/failing-task.yml   (no Slack of its own: the summary comes from slack-generic)"
"$bin" run "$seed/failing-task.yml"
echo "exit code $?" >&2

step "flowctl executions list   (every execution recorded, the triggered ones included)"
"$bin" executions list

step "stop the slack-sink"
