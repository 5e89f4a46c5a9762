#!/usr/bin/env bash
# tui-rss.sh: surveytui's own CPU and RSS over a long run (default 600 s), the TUI in a real
# terminal (tmux) on a running project, sampled every BENCH_STEP seconds; prints the series
# and min / max / first / last, so "flat" can be read off.
#
#   bench/tui-rss.sh [COMPOSE_FILE] [PROJECT]   (default: the demo, surveydemo; make demo-up first)
set -euo pipefail
cd "$(dirname "$0")/.."
FILE=${1:-compose/demo/docker-compose.yml}
PROJECT=${2:-surveydemo}
SECONDS_TOTAL=${BENCH_RSS_SECONDS:-600}
STEP=${BENCH_STEP:-30}
BIN=${SURVEYTUI_BIN:-bin/surveytui}
[[ -x $BIN ]] || make -s build
SOCK=stt-rss-$$
trap 'tmux -L "$SOCK" kill-server 2>/dev/null || true' EXIT
HZ=$(getconf CLK_TCK)

tmux -L "$SOCK" -f /dev/null new-session -d -s rss -x 160 -y 45 "exec $BIN --compose $FILE --project $PROJECT"
pid=$(tmux -L "$SOCK" display -p -t rss '#{pane_pid}')
sleep 3
ticks() { awk '{print $14+$15}' "/proc/$pid/stat"; }
rss() { awk '$1 == "VmRSS:" {print $2}' "/proc/$pid/status"; }
t0=$(ticks); s0=$(date +%s.%N)
echo "| t (s) | RSS MiB | CPU % of one core (since start) |"
echo "| ---: | ---: | ---: |"
min=999999; max=0; first=; last=
for ((t = STEP; t <= SECONDS_TOTAL; t += STEP)); do
	sleep "$STEP"
	kill -0 "$pid" 2>/dev/null || { echo "surveytui exited" >&2; exit 1; }
	r=$(rss); cpu=$(awk -v a="$t0" -v b="$(ticks)" -v s0="$s0" -v s1="$(date +%s.%N)" -v hz="$HZ" 'BEGIN {printf "%.2f", (b - a) / hz / (s1 - s0) * 100}')
	printf '| %d | %.1f | %s |\n' "$t" "$(awk -v k="$r" 'BEGIN {print k / 1024}')" "$cpu"
	((r < min)) && min=$r; ((r > max)) && max=$r
	[[ -z $first ]] && first=$r; last=$r
done
hwm=$(awk '$1 == "VmHWM:" {print $2}' "/proc/$pid/status")
awk -v a="$min" -v b="$max" -v f="$first" -v l="$last" -v h="$hwm" -v n="$SECONDS_TOTAL" \
	'BEGIN {printf "\nRSS over %d s: min %.1f MiB, max %.1f MiB, first %.1f MiB, last %.1f MiB, peak (VmHWM) %.1f MiB\n", n, a/1024, b/1024, f/1024, l/1024, h/1024}'
