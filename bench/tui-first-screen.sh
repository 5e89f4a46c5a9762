#!/usr/bin/env bash
# tui-first-screen.sh: how long from launching surveytui until every service of the project is
# on screen, measured from outside in a real terminal (tmux), BENCH_RUNS times.
#
#   bench/tui-first-screen.sh [COMPOSE_FILE] [PROJECT]   (default: the demo, surveydemo)
#
# The demo must be running (make demo-up). Prints min / median / max in milliseconds.
set -euo pipefail
cd "$(dirname "$0")/.."
FILE=${1:-compose/demo/docker-compose.yml}
PROJECT=${2:-surveydemo}
RUNS=${BENCH_RUNS:-10}
BIN=${SURVEYTUI_BIN:-bin/surveytui}
[[ -x $BIN ]] || make -s build
SOCK=stt-first-$$
trap 'tmux -L "$SOCK" kill-server 2>/dev/null || true' EXIT

mapfile -t SERVICES < <(docker ps --filter "label=com.docker.compose.project=$PROJECT" --format '{{.Label "com.docker.compose.service"}}' | sort -u)
[[ ${#SERVICES[@]} -gt 0 ]] || { echo "no containers in project $PROJECT; run make demo-up first" >&2; exit 1; }

times=()
for ((r = 0; r < RUNS; r++)); do
	start=$(date +%s%N)
	tmux -L "$SOCK" -f /dev/null new-session -d -s first -x 160 -y 45 "$BIN --compose $FILE --project $PROJECT"
	while :; do
		screen=$(tmux -L "$SOCK" capture-pane -p -t first 2>/dev/null || true)
		all=1
		for s in "${SERVICES[@]}"; do
			[[ $screen == *"$s"* ]] || { all=0; break; }
		done
		((all)) && break
		(( $(date +%s%N) - start > 10000000000 )) && { echo "timeout: screen was:" >&2; echo "$screen" >&2; exit 1; }
	done
	end=$(date +%s%N)
	times+=($(( (end - start) / 1000000 )))
	tmux -L "$SOCK" kill-server
	sleep 0.3
done
sorted=($(printf '%s\n' "${times[@]}" | sort -n))
echo "first full screen of ${#SERVICES[@]} services, $RUNS runs: min ${sorted[0]} ms, median ${sorted[$((RUNS / 2))]} ms, max ${sorted[-1]} ms"
echo "all runs, sorted (ms): ${sorted[*]}"
