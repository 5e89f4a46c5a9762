# surveytui's container image. Included by the root Makefile (`include mk/image.mk`); also
# usable alone from the repository root: `make -f mk/image.mk image`.
#
# No base image can be pulled, so nothing is compiled inside Docker: the static binary is
# built here and staged with CA certificates and a minimal passwd/group, then wrapped FROM
# scratch by the classic builder (see Dockerfile).

VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT ?= $(shell git rev-parse --short HEAD 2>/dev/null || echo unknown)
GO ?= go
DOCKER ?= docker

# Image name; tagged $(IMAGE_NAME):$(IMAGE_TAG) and $(IMAGE_NAME):latest.
IMAGE_NAME ?= surveytui
# A Docker tag allows [A-Za-z0-9_.-] only: a semver "+build" suffix becomes "-build".
IMAGE_TAG ?= $(subst +,-,$(VERSION))
# The Go package built into the image.
IMAGE_PKG ?= ./cmd/surveytui
# Staging directory (under dist/, which .dockerignore lets into the build context).
IMAGE_STAGE ?= dist/image
# The unprivileged numeric user and group the image runs as.
IMAGE_UID ?= 65532
# CA bundle copied into the image, for TLS to remote engines and Elasticsearch.
IMAGE_CA_CERTS ?= /etc/ssl/certs/ca-certificates.crt
IMAGE_LDFLAGS ?= -s -w -X main.version=$(VERSION) -X main.commit=$(COMMIT)

.PHONY: image image-rootfs

## image: build the console image surveytui:<version> and surveytui:latest
image: image-rootfs
	DOCKER_BUILDKIT=0 $(DOCKER) build --file Dockerfile \
		--build-arg ROOTFS=$(IMAGE_STAGE)/rootfs --build-arg HOMEFS=$(IMAGE_STAGE)/home \
		--build-arg VERSION=$(VERSION) --build-arg COMMIT=$(COMMIT) --build-arg UID=$(IMAGE_UID) \
		--tag $(IMAGE_NAME):$(IMAGE_TAG) --tag $(IMAGE_NAME):latest .
	@$(DOCKER) image inspect --format '$(IMAGE_NAME):$(IMAGE_TAG) {{.Size}} bytes, user {{.Config.User}}' $(IMAGE_NAME):$(IMAGE_TAG)

## image-rootfs: stage the image's root filesystem and home under $(IMAGE_STAGE)
image-rootfs:
	@case "$(IMAGE_STAGE)" in dist/image*) ;; *) echo "make image: IMAGE_STAGE=$(IMAGE_STAGE) must start with dist/image (the only path .dockerignore lets in)" >&2; exit 1;; esac
	@test -d "$(IMAGE_PKG)" || { echo "make image: $(IMAGE_PKG) does not exist; the surveytui command must be on this branch (git merge main), or set IMAGE_PKG" >&2; exit 1; }
	@test -r "$(IMAGE_CA_CERTS)" || { echo "make image: no CA bundle at $(IMAGE_CA_CERTS); install ca-certificates or set IMAGE_CA_CERTS" >&2; exit 1; }
	rm -rf $(IMAGE_STAGE)
	mkdir -p $(IMAGE_STAGE)/rootfs/usr/local/bin $(IMAGE_STAGE)/rootfs/etc/ssl/certs \
		$(IMAGE_STAGE)/rootfs/tmp $(IMAGE_STAGE)/rootfs/home $(IMAGE_STAGE)/home/nonroot
	CGO_ENABLED=0 $(GO) build -trimpath -tags timetzdata -ldflags '$(IMAGE_LDFLAGS)' \
		-o $(IMAGE_STAGE)/rootfs/usr/local/bin/surveytui $(IMAGE_PKG)
	cp $(IMAGE_CA_CERTS) $(IMAGE_STAGE)/rootfs/etc/ssl/certs/ca-certificates.crt
	printf 'root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:$(IMAGE_UID):$(IMAGE_UID):nonroot:/home/nonroot:/sbin/nologin\n' \
		> $(IMAGE_STAGE)/rootfs/etc/passwd
	printf 'root:x:0:\nnonroot:x:$(IMAGE_UID):\n' > $(IMAGE_STAGE)/rootfs/etc/group
	chmod 1777 $(IMAGE_STAGE)/rootfs/tmp
	chmod 0700 $(IMAGE_STAGE)/home/nonroot
