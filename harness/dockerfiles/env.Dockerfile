# Environment layer: the Python environment of one (repository, version), shared by its instances.
FROM @PARENT@
# PIP_NO_CACHE_DIR=off and an explicit index serve the pip 8/9 that xenial's and bionic's venvs start with:
# "1" crashes them (they take it as a path), any value disables the cache in later pips, and their default
# index host, pypi.python.org, is only a redirect now. A spec's `env` can point PIP_INDEX_URL elsewhere.
ENV LANG=C.UTF-8 LC_ALL=C.UTF-8 PIP_NO_CACHE_DIR=off PIP_INDEX_URL=https://pypi.org/simple \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    VIRTUAL_ENV=/opt/venv PATH=/opt/venv/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
@ENV@
COPY build/ /swerun-build/
RUN bash /swerun-build/setup.sh && rm -rf /swerun-build
