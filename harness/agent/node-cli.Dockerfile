# Agent layer: a Node.js CLI agent (@NAME@) and its Node.js runtime under /opt/swerun-agent, off the PATH of
# the repository's tools. Nothing is downloaded here: Node and the agent's npm package come in the build
# context (see node-runtime.yaml and @NAME@.yaml). Node runs on a private copy of one base's C/C++ runtime
# (its interpreter and rpath point there; see node_runtime.py), so it also runs where the image's glibc is
# older than the 2.28 Node 22 needs.
FROM @RUNTIME@ AS runtime
FROM @PARENT@
COPY --from=runtime @LIBDIR@/libc.so.6 @LIBDIR@/libm.so.6 @LIBDIR@/libdl.so.2 @LIBDIR@/libpthread.so.0 \
     @LIBDIR@/librt.so.1 @LIBDIR@/libstdc++.so.6 @LIBDIR@/libgcc_s.so.1 @LIBDIR@/@LOADER@ /opt/swerun-agent/runtime/
COPY agent/ /opt/swerun-agent/src/
RUN set -eux; \
    A=/opt/swerun-agent; mkdir -p "$A/node/bin" "$A/@NAME@"; \
    install -m 0755 "$A/src/node" "$A/node/bin/node"; \
    tar -xzf "$A/src/package.tgz" -C "$A/@NAME@" --strip-components=1; \
    cd "$A/@NAME@"; @CHMOD@; cd /; \
    install -m 0755 "$A/src/run.sh" "$A/run.sh"; install -m 0644 "$A/src/relay.py" "$A/src/offline.cjs" "$A/"; \
    if [ -d "$A/src/home" ]; then cp -R "$A/src/home/." /root/; fi; \
    rm -rf "$A/src"; "$A/node/bin/node" --version
