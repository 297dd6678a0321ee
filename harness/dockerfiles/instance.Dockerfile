# Instance layer: the repository at the instance's base commit, installed into the environment.
FROM @PARENT@
COPY testbed/ /testbed/
COPY build/ /swerun-build/
WORKDIR /testbed
RUN bash /swerun-build/setup.sh && rm -rf /swerun-build
