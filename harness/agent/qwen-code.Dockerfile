# Agent layer: Qwen Code and its Node.js runtime under /opt/swerun-agent, off the PATH of the repository's
# tools. Nothing is downloaded here: both packages come in the build context (see qwen-code.yaml).
FROM @PARENT@
COPY agent/ /opt/swerun-agent/src/
RUN set -eux; \
    A=/opt/swerun-agent; mkdir -p "$A/node" "$A/qwen-code" /root/.qwen; \
    tar -xzf "$A/src/node.tgz" -C "$A/node" --strip-components=1 package/bin/node; \
    tar -xzf "$A/src/qwen-code.tgz" -C "$A/qwen-code" --strip-components=1; \
    chmod 0755 "$A/node/bin/node"; \
    find "$A/qwen-code/vendor" -type f -path '*-linux/*' -exec chmod 0755 {} +; \
    install -m 0755 "$A/src/run.sh" "$A/run.sh"; install -m 0644 "$A/src/relay.py" "$A/relay.py"; \
    install -m 0644 "$A/src/settings.json" /root/.qwen/settings.json; \
    rm -rf "$A/src"; "$A/node/bin/node" --version
