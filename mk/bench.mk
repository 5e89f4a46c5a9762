# bench.mk: the benchmarks of issue 3 (Performance). Included by the root Makefile through
# `-include mk/*.mk`. Results go in docs/BENCHMARKS.md.
BENCH_SECONDS ?= 60
BENCH_SIZES ?= 15 50

.PHONY: bench-stats bench-tui
# bench-stats: CPU and RSS of surveytui (the real TUI in tmux) against `docker stats`, on 15 and
# 50 stand-in containers, plus what each adds to dockerd/containerd/shims; prints a markdown table.
bench-stats: build
	BENCH_SECONDS='$(BENCH_SECONDS)' BENCH_SIZES='$(BENCH_SIZES)' \
	SURVEYTUI_CMD='env -C / $(CURDIR)/bin/surveytui --project {project} --interval {interval}s' bench/stats-overhead.sh

# bench-tui: time to the first full screen, then CPU and RSS over 10 minutes, on the demo.
bench-tui: build demo-up
	bench/tui-first-screen.sh
	bench/tui-rss.sh
