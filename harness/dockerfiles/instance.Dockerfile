# Instance layer: the repository at the instance's base commit, installed into the environment.
FROM @PARENT@
@ENV@
COPY testbed/ /testbed/
COPY build/ /swerun-build/
WORKDIR /testbed
RUN bash /swerun-build/setup.sh && rm -rf /swerun-build
