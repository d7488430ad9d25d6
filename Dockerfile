# syntax=docker/dockerfile:1
# One image per service, from this one file:
#   docker build --build-arg SERVICE=customer -t kefu/customer .   (or: make images)
# SERVICE is customer, complaint, ticket, survey or gateway. The image holds the shared
# library, that one service (with its Alembic migrations) and only their dependencies,
# pinned by constraints.txt; it runs as an unprivileged user and needs nothing writable but
# /tmp, so it runs with a read-only root filesystem.

ARG PYTHON_IMAGE=python:3.11-slim-bookworm

FROM ${PYTHON_IMAGE} AS build
ARG SERVICE
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
WORKDIR /src
COPY constraints.txt ./
COPY shared/ shared/
COPY services/${SERVICE}/ services/${SERVICE}/
# The service's package is installed for its dependencies only, then removed: the image
# runs it from /app, next to its alembic.ini and migrations/ (the CLI finds them there).
RUN test -n "${SERVICE}" \
    && python -m venv /opt/venv \
    && /opt/venv/bin/pip install -c constraints.txt ./shared "./services/${SERVICE}" \
    && /opt/venv/bin/pip uninstall -y "kefu-${SERVICE}" \
    && rm -rf "services/${SERVICE}"/*.egg-info "services/${SERVICE}/build" \
    && /opt/venv/bin/python -m compileall -q /opt/venv "services/${SERVICE}"

FROM ${PYTHON_IMAGE} AS runtime
ARG SERVICE
LABEL org.opencontainers.image.title="kefu-${SERVICE}" \
      org.opencontainers.image.description="Kefu ${SERVICE} service"
ENV PATH=/opt/venv/bin:${PATH} \
    PYTHONPATH=/app \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    KEFU_SERVICE=${SERVICE}
RUN groupadd --system --gid 10001 kefu \
    && useradd --system --uid 10001 --gid kefu --no-create-home --home-dir /app kefu
COPY --from=build /opt/venv /opt/venv
COPY --from=build --chown=root:root /src/services/${SERVICE}/ /app/
WORKDIR /app
USER 10001:10001
EXPOSE 8080
# `python -m <service> serve|migrate|relay`; Kubernetes sets command and args itself.
ENTRYPOINT ["/bin/sh", "-c", "exec python -m \"$KEFU_SERVICE\" \"$@\"", "kefu"]
CMD ["serve", "--host", "0.0.0.0", "--port", "8080"]
