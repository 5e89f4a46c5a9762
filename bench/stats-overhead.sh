#!/usr/bin/env bash
# stats-overhead.sh: what watching container stats costs, for surveytui and for `docker stats`.
#
# For each size in BENCH_SIZES it starts that many idle stand-in containers (one throw-away
# compose project, plain `docker run` with compose labels), then measures, BENCH_SECONDS each:
#   1. an idle baseline: CPU of dockerd + containerd + containerd-shim* (utime+stime deltas
#      from /proc/PID/stat), nothing watching;
#   2. the command under test (SURVEYTUI_CMD, by default bench/statsprobe: the monitor's
#      sampler every BENCH_INTERVAL s, cgroup files when visible);
#   3. optionally the same probe forced onto the engine API (BENCH_API_ROW=1);
#   4. `docker stats` on the same containers (DOCKER_STATS_CMD);
# with an idle baseline before each and after the last (the engine is shared with whatever else
# runs on the host, so each phase is compared with the mean of the two baselines around it),
# and prints a markdown table: each command's own CPU (% of one core), its RSS (max, end), the
# daemon side's CPU and what it adds beyond the baselines, the total (own + added), and what
# it adds to the shims of the benchmark's own containers (the cleanest figure on a busy host:
# nothing else touches them).
# Commands run in a private tmux server (a real terminal, as a user would) unless BENCH_TMUX=0
# or tmux is missing; then in the background with stdout to /dev/null.
#
# Knobs (environment):
#   BENCH_SECONDS=60 BENCH_WARMUP=3 BENCH_INTERVAL=2 BENCH_SIZES="15 50" BENCH_TMUX=auto
#   BENCH_API_ROW=1          also measure the probe with -sampler api
#   STANDIN_IMAGE=...        image for the containers (default: build bench/burner, an idle
#                            process with no health check, so only stats cost shows)
#   STANDIN_ENV="K=V ..."    its environment (default: idle)
#   SURVEYTUI_CMD='...'      command under test; {project} {interval} {ids} are substituted,
#                            e.g. 'bin/surveytui --project {project} status --watch'
#   DOCKER_STATS_CMD='docker stats {ids}'
#   BENCH_OUT=file           also append the table to this file
set -euo pipefail
cd "$(dirname "$0")/.."

BENCH_SECONDS=${BENCH_SECONDS:-60}
BENCH_WARMUP=${BENCH_WARMUP:-3}
BENCH_INTERVAL=${BENCH_INTERVAL:-2}
BENCH_SIZES=${BENCH_SIZES:-15 50}
BENCH_TMUX=${BENCH_TMUX:-auto}
BENCH_API_ROW=${BENCH_API_ROW:-1}
STANDIN_IMAGE=${STANDIN_IMAGE:-}
STANDIN_ENV=${STANDIN_ENV:-}
# (not ${VAR:-default}: the "}" of a placeholder would end the expansion)
[[ -n ${SURVEYTUI_CMD:-} ]] || SURVEYTUI_CMD='bin/statsprobe -project {project} -interval {interval}s -sampler auto'
[[ -n ${API_CMD:-} ]] || API_CMD='bin/statsprobe -project {project} -interval {interval}s -sampler api'
[[ -n ${DOCKER_STATS_CMD:-} ]] || DOCKER_STATS_CMD='docker stats {ids}'
BENCH_OUT=${BENCH_OUT:-}
export DOCKER_BUILDKIT=0

die() { echo "stats-overhead: $*" >&2; exit 1; }
[[ $BENCH_SECONDS =~ ^[0-9]+$ && $BENCH_SECONDS -gt 0 ]] || die "BENCH_SECONDS must be a positive number of seconds, not '$BENCH_SECONDS'"
docker version --format '{{.Server.Version}}' >/dev/null 2>&1 || die "no Docker engine answers; start dockerd or set DOCKER_HOST"
if [[ $SURVEYTUI_CMD == bin/statsprobe* || $API_CMD == bin/statsprobe* ]]; then
	CGO_ENABLED=0 go build -o bin/statsprobe ./bench/statsprobe || die "cannot build bench/statsprobe"
fi
if [[ $BENCH_TMUX == auto ]]; then
	if command -v tmux >/dev/null; then BENCH_TMUX=1; else BENCH_TMUX=0; fi
fi

HZ=$(getconf CLK_TCK)
RUN=stt-bench-$(od -An -N4 -tx1 /dev/urandom | tr -d ' \n')
WORK=$(mktemp -d)
BUILT_IMAGE=
TMUX_SOCK=$RUN
CUR_PROJECT=

cleanup() {
	set +e
	[[ $BENCH_TMUX == 1 ]] && tmux -L "$TMUX_SOCK" kill-server 2>/dev/null
	[[ -n ${BG_PID:-} ]] && kill "$BG_PID" 2>/dev/null
	if [[ -n $CUR_PROJECT ]]; then
		docker ps -aq --filter "label=com.docker.compose.project=$CUR_PROJECT" | xargs -r docker rm -f >/dev/null
	fi
	[[ -n $BUILT_IMAGE ]] && docker rmi -f "$BUILT_IMAGE" >/dev/null 2>&1
	rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [[ -z $STANDIN_IMAGE ]]; then
	CGO_ENABLED=0 go build -o "$WORK/burner" ./bench/burner
	printf 'FROM scratch\nCOPY burner /burner\nENTRYPOINT ["/burner"]\n' >"$WORK/Dockerfile"
	BUILT_IMAGE=$RUN:bench
	docker build -q -t "$BUILT_IMAGE" "$WORK" >/dev/null || die "cannot build the stand-in image"
	STANDIN_IMAGE=$BUILT_IMAGE
fi

now() { date +%s.%N; }
# ticks PID...: summed utime+stime of the processes (those gone count 0).
ticks() { local t=0 p v; for p in "$@"; do v=$(awk '{print $14+$15}' "/proc/$p/stat" 2>/dev/null) && t=$((t + v)); done; echo "$t"; }
# snap PID...: "pid ticks" of each live process; since FILE PID...: ticks used since the snap in
# FILE by the processes alive at both ends (a shim that exits mid-phase, another user's
# container stopping, must not make the sum go down).
snap() { local p v; for p in "$@"; do v=$(awk '{print $14+$15}' "/proc/$p/stat" 2>/dev/null) && echo "$p $v"; done; }
since() {
	local f=$1
	shift
	snap "$@" | awk 'NR == FNR {a[$1] = $2; next} ($1 in a) {t += $2 - a[$1]} END {print t + 0}' "$f" -
}
daemon_pids() {
	local p c
	for p in /proc/[0-9]*; do
		c=$(cat "$p/comm" 2>/dev/null) || continue
		case $c in dockerd | containerd | containerd-shim*) echo "${p#/proc/}" ;; esac
	done
}
kb() { awk -v k="$2:" '$1 == k {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }
pct() { awk -v t="$1" -v s="$2" -v hz="$HZ" 'BEGIN {printf "%.2f", t / hz / s * 100}'; }
mib() { awk -v k="$1" 'BEGIN {printf "%.1f", k / 1024}'; }

# shim_pids: the containerd-shim of each container of the project (parent of its init process):
# unlike dockerd and containerd, which every user of this shared engine loads, these only work
# for our containers, so their CPU is a clean view of the per-container stats cost.
shim_pids() {
	local id pid
	for id in $IDS; do
		pid=$(docker inspect -f '{{.State.Pid}}' "$id")
		awk '{print $4}' "/proc/$pid/stat"
	done | sort -u
}

# measure LABEL [CMD]: one phase; sets R_OWN R_RSSMAX R_RSSEND R_DAEMON R_SHIMS R_TERM R_NOTE.
measure() {
	local label=$1 cmd=${2:-} pid= term= elapsed
	R_OWN=- R_RSSMAX=- R_RSSEND=- R_TERM=- R_NOTE=
	if [[ -n $cmd ]]; then
		cmd=${cmd//\{project\}/$CUR_PROJECT}
		cmd=${cmd//\{interval\}/$BENCH_INTERVAL}
		cmd=${cmd//\{ids\}/$IDS}
		local err=$WORK/$label.err
		if [[ $BENCH_TMUX == 1 ]]; then
			tmux -L "$TMUX_SOCK" -f /dev/null new-session -d -s bench -x 160 -y 45 "exec $cmd 2>$err"
			pid=$(tmux -L "$TMUX_SOCK" display -p -t bench '#{pane_pid}')
			term=$(tmux -L "$TMUX_SOCK" display -p -t bench '#{pid}')
		else
			# shellcheck disable=SC2086 # the command is a word list on purpose
			$cmd >/dev/null 2>"$err" &
			BG_PID=$! pid=$!
		fi
		sleep "$BENCH_WARMUP"
		kill -0 "$pid" 2>/dev/null || die "$label exited early: $(head -c 500 "$err")"
	fi
	local dp
	mapfile -t dp < <(daemon_pids)
	local t0 p0=0 m0=0 rmax=0 r
	t0=$(now)
	snap "${dp[@]}" >"$WORK/daemon.snap"
	snap "${SHIMS[@]}" >"$WORK/shims.snap"
	[[ -n $pid ]] && p0=$(ticks "$pid")
	[[ -n $term ]] && m0=$(ticks "$term")
	for ((i = 0; i < BENCH_SECONDS; i++)); do
		sleep 1
		if [[ -n $pid ]]; then
			r=$(kb "$pid" VmRSS)
			((r > rmax)) && rmax=$r
		fi
	done
	elapsed=$(awk -v a="$t0" -v b="$(now)" 'BEGIN {print b - a}')
	R_DAEMON=$(pct "$(since "$WORK/daemon.snap" "${dp[@]}")" "$elapsed")
	R_SHIMS=$(pct "$(since "$WORK/shims.snap" "${SHIMS[@]}")" "$elapsed")
	if [[ -n $pid ]]; then
		kill -0 "$pid" 2>/dev/null || die "$label exited during the run: $(head -c 500 "$err")"
		R_OWN=$(pct $(($(ticks "$pid") - p0)) "$elapsed")
		R_RSSEND=$(mib "$(kb "$pid" VmRSS)")
		local hwm
		hwm=$(kb "$pid" VmHWM)
		((hwm > rmax)) && rmax=$hwm
		R_RSSMAX=$(mib "$rmax")
		[[ -n $term ]] && R_TERM=$(pct $(($(ticks "$term") - m0)) "$elapsed")
		if [[ $BENCH_TMUX == 1 ]]; then
			tmux -L "$TMUX_SOCK" kill-server
		else
			kill "$pid"
			wait "$pid" 2>/dev/null || true
			BG_PID=
		fi
		R_NOTE=$(grep -m1 -o 'first round.*' "$err" 2>/dev/null || true)
		sleep 2 # let the daemon settle before the next phase
	fi
}

TABLE=$WORK/table.md
{
	echo "BENCH_SECONDS=$BENCH_SECONDS interval=${BENCH_INTERVAL}s tmux=$BENCH_TMUX image=$STANDIN_IMAGE; $(nproc) CPUs; $(docker version --format 'engine {{.Server.Version}}, API {{.Server.APIVersion}}'); CPU in % of one core"
	echo
	echo "| containers | under test | own CPU % | RSS max MiB | RSS end MiB | daemon CPU % | idle around % | daemon extra % | total % | our shims extra % | tmux % | note |"
	echo "| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |"
} >"$TABLE"

for n in $BENCH_SIZES; do
	CUR_PROJECT=$RUN-$n
	echo "stats-overhead: starting $n containers (project $CUR_PROJECT)" >&2
	envargs=()
	for kv in $STANDIN_ENV; do envargs+=(-e "$kv"); done
	for ((i = 1; i <= n; i++)); do
		docker run -d --name "$CUR_PROJECT-s$i" --label "com.docker.compose.project=$CUR_PROJECT" \
			--label "com.docker.compose.service=s$i" --label com.docker.compose.container-number=1 \
			"${envargs[@]}" "$STANDIN_IMAGE" >/dev/null
	done
	IDS=$(docker ps -q --no-trunc --filter "label=com.docker.compose.project=$CUR_PROJECT" | tr '\n' ' ')
	mapfile -t SHIMS < <(shim_pids)
	sleep 3

	phases=("surveytui|$SURVEYTUI_CMD")
	[[ $BENCH_API_ROW == 1 ]] && phases+=("probe, engine API|$API_CMD")
	phases+=("docker stats|$DOCKER_STATS_CMD")

	# An idle baseline before every phase and one after the last: the engine is shared, so each
	# phase is compared with the mean of the baselines either side of it.
	echo "stats-overhead: $n: idle baseline 1" >&2
	measure baseline
	bases=("$R_DAEMON") shimbases=("$R_SHIMS")
	rows=()
	k=1
	for ph in "${phases[@]}"; do
		label=${ph%%|*} cmd=${ph#*|}
		echo "stats-overhead: $n: $label ($cmd)" >&2
		measure "${label// /_}" "$cmd"
		rows+=("$label|$R_OWN|$R_RSSMAX|$R_RSSEND|$R_DAEMON|$R_SHIMS|$R_TERM|$R_NOTE")
		k=$((k + 1))
		echo "stats-overhead: $n: idle baseline $k" >&2
		measure baseline
		bases+=("$R_DAEMON") shimbases+=("$R_SHIMS")
	done
	echo "| $n | idle baselines | | | | ${bases[*]} | | | | ${shimbases[*]} | | |" >>"$TABLE"
	for i in "${!rows[@]}"; do
		IFS='|' read -r label own rmax rend daemon shims term note <<<"${rows[$i]}"
		around=$(awk -v a="${bases[$i]}" -v b="${bases[$((i + 1))]}" 'BEGIN {printf "%.2f", (a + b) / 2}')
		extra=$(awk -v d="$daemon" -v b="$around" 'BEGIN {printf "%.2f", d - b}')
		total=$(awk -v o="$own" -v e="$extra" 'BEGIN {printf "%.2f", o + e}')
		shimx=$(awk -v d="$shims" -v a="${shimbases[$i]}" -v b="${shimbases[$((i + 1))]}" 'BEGIN {printf "%.2f", d - (a + b) / 2}')
		echo "| $n | $label | $own | $rmax | $rend | $daemon | $around | $extra | $total | $shimx | $term | $note |" >>"$TABLE"
	done
	docker ps -aq --filter "label=com.docker.compose.project=$CUR_PROJECT" | xargs -r docker rm -f >/dev/null
	CUR_PROJECT=
done

echo
cat "$TABLE"
if [[ -n $BENCH_OUT ]]; then cat "$TABLE" >>"$BENCH_OUT"; fi
