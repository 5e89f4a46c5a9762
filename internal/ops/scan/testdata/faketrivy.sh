#!/bin/sh
# A stand-in for the trivy CLI in tests: it logs its arguments and behaves according to the
# image name (its last argument), so one run can mix a good image, a slow one, a failing one,
# garbage and a truncated report.
printf '%s\n' "$*" >> "$FAKE_TRIVY_LOG"
for image; do :; done
case "$image" in
*slow*) sleep 30 ;;
*fail*)
	echo '2026-11-20T10:00:00.000Z	INFO	Vulnerability scanning is enabled' >&2
	echo '2026-11-20T10:00:01.000Z	FATAL	Fatal error	image scan error: unable to find the specified image' >&2
	exit 1 ;;
*garbage*) echo 'panic: runtime error: invalid memory address' ;;
*truncated*) head -c 300 "$FAKE_TRIVY_FIXTURES/alpine-multi.json" ;;
*clean*) cat "$FAKE_TRIVY_FIXTURES/clean.json" ;;
*) cat "$FAKE_TRIVY_FIXTURES/alpine-multi.json" ;;
esac
