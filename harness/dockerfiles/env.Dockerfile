# Environment layer: the Python environment of one (repository, version), shared by its instances.
FROM @PARENT@
ENV LANG=C.UTF-8 LC_ALL=C.UTF-8 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 \
    VIRTUAL_ENV=/opt/venv PATH=/opt/venv/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
COPY build/ /swerun-build/
RUN bash /swerun-build/setup.sh && rm -rf /swerun-build
