# FROM-scratch image of the MongoDB stand-in: FerretDB with its SQLite
# handler, data under /data/db (a named volume in the demo). SQLite needs a
# writable /tmp, which scratch lacks, so rootfs/ brings it.
FROM scratch
COPY --chown=10001:10001 rootfs/ /
COPY mongo /mongo
USER 10001:10001
EXPOSE 27017
VOLUME ["/data/db", "/data/configdb"]
HEALTHCHECK --interval=5s --timeout=3s --retries=3 --start-period=5s CMD ["/mongo", "healthcheck"]
ENTRYPOINT ["/mongo"]
