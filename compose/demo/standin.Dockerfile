# FROM-scratch image of the Survey Platform stand-in: one static Go binary
# plays every app service and the health-only infrastructure services.
# The build context holds the binary and rootfs/ (empty tmp, data, datalog
# directories) prepared by build-images.sh or internal/testenv.
FROM scratch
COPY --chown=10001:10001 rootfs/ /
COPY standin /standin
USER 10001:10001
ENV STANDIN_DATA_DIR=/data
HEALTHCHECK --interval=5s --timeout=3s --retries=3 --start-period=5s CMD ["/standin", "healthcheck"]
ENTRYPOINT ["/standin"]
