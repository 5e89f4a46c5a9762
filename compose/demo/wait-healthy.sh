#!/bin/sh
# wait-healthy.sh PROJECT [TIMEOUT_SECONDS] [SERVICE...]
#
# Wait until every container of compose project PROJECT is healthy (or
# running, when it has no healthcheck) and each SERVICE named has a
# container. Fails after TIMEOUT_SECONDS (default 120) naming what is not
# ready and its state. Needs only the docker CLI.
set -eu

project=${1:?usage: wait-healthy.sh PROJECT [TIMEOUT_SECONDS] [SERVICE...]}
timeout=${2:-120}
[ $# -ge 2 ] && shift 2 || shift $#
case $timeout in
'' | *[!0-9]*)
	echo "wait-healthy.sh: TIMEOUT_SECONDS must be a whole number, got '$timeout'" >&2
	exit 2
	;;
esac

start=$(date +%s)
while :; do
	ids=$(docker ps -aq --filter "label=com.docker.compose.project=$project")
	states=""
	if [ -n "$ids" ]; then
		# shellcheck disable=SC2086 # ids are plain hex words
		states=$(docker inspect --format '{{index .Config.Labels "com.docker.compose.service"}} {{.Name}} {{.State.Status}} {{if .State.Health}}{{.State.Health.Status}}{{else}}none{{end}}' $ids 2>/dev/null || true)
	fi
	bad=$(printf '%s\n' "$states" | awk 'NF == 4 && !($3 == "running" && ($4 == "healthy" || $4 == "none")) { sub("^/", "", $2); printf "%s (%s, %s)\n", $2, $3, $4 }')
	for svc in "$@"; do
		if ! printf '%s\n' "$states" | awk -v s="$svc" '$1 == s { found = 1 } END { exit !found }'; then
			bad="$bad
$svc (no container)"
		fi
	done
	bad=$(printf '%s\n' "$bad" | sed '/^$/d')
	if [ -z "$states" ] && [ $# -eq 0 ]; then
		bad="no containers in project $project"
	fi
	elapsed=$(($(date +%s) - start))
	if [ -z "$bad" ]; then
		echo "all containers of $project are healthy after ${elapsed}s"
		exit 0
	fi
	if [ "$elapsed" -ge "$timeout" ]; then
		echo "not healthy after ${timeout}s in project $project:" >&2
		printf '  %s\n' "$bad" >&2
		exit 1
	fi
	sleep 2
done
