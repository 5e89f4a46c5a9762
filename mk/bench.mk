# bench.mk: the stats-collection overhead benchmark (issue 3, Performance). Included by the root
# Makefile through `-include mk/*.mk`.
BENCH_SECONDS ?= 60
BENCH_SIZES ?= 15 50

.PHONY: bench-stats
# bench-stats: CPU and RSS of surveytui's stats sampling against `docker stats`, on 15 and 50
# stand-in containers, plus what each adds to dockerd/containerd/shims; prints a markdown table.
bench-stats:
	BENCH_SECONDS='$(BENCH_SECONDS)' BENCH_SIZES='$(BENCH_SIZES)' bench/stats-overhead.sh
