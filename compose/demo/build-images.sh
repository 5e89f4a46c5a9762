#!/bin/sh
# Build the demo's FROM-scratch images from this repository's Go code:
#   surveydemo/standin:latest  (compose/demo/standin: app + infra stand-ins)
#   surveydemo/mongo:latest    (compose/demo/mongo: FerretDB, SQLite handler)
# No image is pulled. Static binaries (CGO_ENABLED=0) go into a temporary
# build context with the empty directories the images need (tmp, and the
# volume mount points, owned by the non-root user through COPY --chown).
# internal/testenv does the same steps in Go; keep the directory lists equal.
#
# Environment: STANDIN_IMAGE, MONGO_IMAGE override the tags; GO overrides go.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
GO=${GO:-go}
STANDIN_IMAGE=${STANDIN_IMAGE:-surveydemo/standin:latest}
MONGO_IMAGE=${MONGO_IMAGE:-surveydemo/mongo:latest}

work=$(mktemp -d "${TMPDIR:-/tmp}/surveydemo-build.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM

# build NAME PACKAGE DOCKERFILE TAG DIR...
build() {
	name=$1 pkg=$2 dockerfile=$3 tag=$4
	shift 4
	ctx="$work/$name"
	mkdir -p "$ctx/rootfs"
	for d in "$@"; do mkdir -p "$ctx/rootfs/$d"; done
	chmod 1777 "$ctx/rootfs/tmp"
	echo ">> go build $pkg"
	(cd "$root" && CGO_ENABLED=0 "$GO" build -trimpath -ldflags='-s -w' -o "$ctx/$name" "$pkg")
	cp "$here/$dockerfile" "$ctx/Dockerfile"
	echo ">> docker build $tag"
	DOCKER_BUILDKIT=0 docker build -q -t "$tag" "$ctx" >/dev/null
}

build standin ./compose/demo/standin standin.Dockerfile "$STANDIN_IMAGE" tmp data datalog
build mongo ./compose/demo/mongo mongo.Dockerfile "$MONGO_IMAGE" tmp data/db data/configdb
docker images --format '{{.Repository}}:{{.Tag}}\t{{.Size}}' | grep -E "^($STANDIN_IMAGE|$MONGO_IMAGE)	" || true
