// Preloaded into the agent's Node process (run.sh: node --require offline.cjs). The agent container has
// no route to any network: the model is reached at 127.0.0.1 through the relay, so a host name can
// never resolve to anything useful. On Docker's internal network the embedded DNS server still takes
// 10 s to give up on each name, and a CLI that looks one up on its way out (Claude Code's metrics
// check) keeps the process alive for that long. Names other than localhost fail here at once, the way
// they do on a machine without a network; IP addresses and localhost resolve as usual. Only this
// process is affected: the commands the agent runs do not inherit a --require.
"use strict";
const dns = require("dns");
const net = require("net");

const LOCAL = new Set(["localhost", "localhost.localdomain", "ip6-localhost"]);
const passes = (host) => typeof host !== "string" || net.isIP(host) !== 0 || LOCAL.has(host.toLowerCase());
const notFound = (host) => Object.assign(new Error(`getaddrinfo ENOTFOUND ${host} (no network in the sandbox)`),
  { code: "ENOTFOUND", errno: -3008, syscall: "getaddrinfo", hostname: host });

const lookup = dns.lookup;
dns.lookup = function (host, options, callback) {
  if (passes(host)) return lookup.apply(this, arguments);
  const cb = typeof options === "function" ? options : callback;
  process.nextTick(cb, notFound(host));
  return {};
};

const promiseLookup = dns.promises.lookup;
dns.promises.lookup = function (host) {
  return passes(host) ? promiseLookup.apply(this, arguments) : Promise.reject(notFound(host));
};
