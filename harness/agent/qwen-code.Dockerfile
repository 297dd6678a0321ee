# Agent layer: Qwen Code and its Node.js runtime under /opt/swerun-agent, off the PATH of the repository's
# tools. Nothing is downloaded here: both packages come in the build context (see qwen-code.yaml).
# Node runs on a private copy of one base's C/C++ runtime (its interpreter and rpath point there; see
# node_runtime.py), so it also runs where the image's glibc is older than the 2.28 Node 22 needs.
FROM @RUNTIME@ AS runtime
FROM @PARENT@
COPY --from=runtime @LIBDIR@/libc.so.6 @LIBDIR@/libm.so.6 @LIBDIR@/libdl.so.2 @LIBDIR@/libpthread.so.0 \
     @LIBDIR@/librt.so.1 @LIBDIR@/libstdc++.so.6 @LIBDIR@/libgcc_s.so.1 @LIBDIR@/@LOADER@ /opt/swerun-agent/runtime/
COPY agent/ /opt/swerun-agent/src/
RUN set -eux; \
    A=/opt/swerun-agent; mkdir -p "$A/node/bin" "$A/qwen-code" /root/.qwen; \
    install -m 0755 "$A/src/node" "$A/node/bin/node"; \
    tar -xzf "$A/src/qwen-code.tgz" -C "$A/qwen-code" --strip-components=1; \
    find "$A/qwen-code/vendor" -type f -path '*-linux/*' -exec chmod 0755 {} +; \
    install -m 0755 "$A/src/run.sh" "$A/run.sh"; install -m 0644 "$A/src/relay.py" "$A/relay.py"; \
    install -m 0644 "$A/src/settings.json" /root/.qwen/settings.json; \
    rm -rf "$A/src"; "$A/node/bin/node" --version
