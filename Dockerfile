# surveytui's image: the static binary and the few files it needs, FROM scratch.
#
# Build it with `make image`, not by hand: the Makefile compiles the binary (CGO off,
# trimmed, version stamped) and stages it with the CA certificates and a minimal
# /etc/passwd and /etc/group under $(IMAGE_STAGE)/rootfs, then runs the classic builder on
# the repository root. No base image is pulled (none can be here), and there is no Go
# builder stage for the same reason. .dockerignore keeps the build context to the staged
# files only.

FROM scratch

# Where `make image` staged the root filesystem, relative to the repository root.
ARG ROOTFS=dist/image/rootfs
ARG HOMEFS=dist/image/home
ARG VERSION=dev
ARG COMMIT=unknown
# The unprivileged numeric user and group (make image passes IMAGE_UID).
ARG UID=65532

COPY ${ROOTFS}/ /
# The home directory must belong to the user: surveytui keeps its config, journal and
# backups under $XDG_CONFIG_HOME / $XDG_DATA_HOME, which default to $HOME/.config and
# $HOME/.local/share.
# (Staged apart from the rootfs: COPY of a directory copies its content, so only a
# directory inside the source gets the --chown owner.)
COPY --chown=${UID}:${UID} ${HOMEFS}/ /home/

ENV HOME=/home/nonroot \
    SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt

LABEL org.opencontainers.image.title="surveytui" \
      org.opencontainers.image.description="Terminal ops console for the Survey Platform" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${COMMIT}" \
      org.opencontainers.image.source="https://github.com/survey-platform/surveytui"

# Numeric, so the engine needs no /etc/passwd lookup to know it is not root. Reaching the
# host's engine takes --group-add with the socket's group (see docs/OPERATIONS.md).
USER ${UID}:${UID}
WORKDIR /home/nonroot
ENTRYPOINT ["/usr/local/bin/surveytui"]
