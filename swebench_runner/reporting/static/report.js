/* swerun report: filters the instance table and shows one instance (patch, tests, log, trajectory).
   Everything comes from the JSON block in this file; text is inserted with textContent only, so a
   patch or a log can never become markup. Open an instance by clicking its row or with
   #instance=<instance_id> in the address. */
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("swerun-data").textContent);
  var byId = {};
  data.instances.forEach(function (r) { byId[r.instance_id] = r; });
  var detail = document.getElementById("detail");

  function el(tag, props, children) {
    var node = document.createElement(tag);
    Object.keys(props || {}).forEach(function (k) {
      if (k === "text") node.textContent = props[k];
      else if (k === "cls") node.className = props[k];
      else node.setAttribute(k, props[k]);
    });
    (children || []).forEach(function (c) { if (c) node.appendChild(c); });
    return node;
  }
  function badge(status) { return el("span", {cls: "badge " + status, text: data.labels[status] || status}); }
  function money(x) { return x == null ? "" : "$" + Number(x).toFixed(4); }

  /* -- the table: filters and search ------------------------------------------------------------ */
  var current = "all";
  function applyFilters() {
    var q = document.getElementById("search").value.trim().toLowerCase();
    document.querySelectorAll("table.instances tbody tr").forEach(function (tr) {
      var show = (current === "all" || tr.dataset.status === current) && tr.dataset.id.toLowerCase().indexOf(q) >= 0;
      tr.hidden = !show;
    });
  }
  document.querySelectorAll(".filters button").forEach(function (b) {
    b.addEventListener("click", function () {
      current = b.dataset.filter;
      document.querySelectorAll(".filters button").forEach(function (o) { o.setAttribute("aria-pressed", String(o === b)); });
      applyFilters();
    });
  });
  document.getElementById("search").addEventListener("input", applyFilters);
  document.querySelectorAll("table.instances tbody tr").forEach(function (tr) {
    tr.addEventListener("click", function (ev) {
      ev.preventDefault();
      location.hash = "instance=" + encodeURIComponent(tr.dataset.id);
    });
  });

  /* -- one instance ------------------------------------------------------------------------------ */
  function diffBlock(patch) {
    if (!patch.trim()) return el("p", {cls: "empty-note", text: "No patch (empty prediction)."});
    var pre = el("pre", {cls: "diff"});
    patch.replace(/\n$/, "").split("\n").forEach(function (line) {
      var cls = "";
      if (/^(diff --git|index |--- |\+\+\+ |new file|deleted file|similarity|rename )/.test(line)) cls = "meta";
      else if (line.indexOf("@@") === 0) cls = "hunk";
      else if (line[0] === "+") cls = "add";
      else if (line[0] === "-") cls = "del";
      pre.appendChild(el("span", {cls: cls, text: line}));
    });
    return pre;
  }

  function testsBlock(r) {
    if (!r.tests.length) return el("p", {cls: "empty-note", text: "No graded tests."});
    var body = el("tbody");
    var rank = function (t) { return t.ok === false ? 0 : t.ok === null ? 1 : 2; };  /* failures first */
    r.tests.slice().sort(function (a, b) { return rank(a) - rank(b); }).forEach(function (t) {
      var verdict = t.ok === true ? "pass" : t.ok === false ? "fail" : "not graded";
      body.appendChild(el("tr", {"data-test": t.name}, [
        el("td", {text: t.kind}),
        el("td", {cls: "test", text: t.name}),
        el("td", {cls: t.ok === true ? "ok" : t.ok === false ? "fail" : "", text: verdict}),
        el("td", {text: t.observed || ""})
      ]));
    });
    return el("table", {cls: "tests"}, [
      el("thead", {}, [el("tr", {}, [el("th", {text: "Kind"}), el("th", {text: "Test"}),
        el("th", {text: "Verdict"}), el("th", {text: "Log status"})])]), body]);
  }

  function trajectoryBlock(t) {
    var box = el("div", {cls: "trajectory"});
    box.appendChild(el("p", {text: "Exit: " + (t.exit_status || "?") + (t.exit_reason ? " (" + t.exit_reason + ")" : "") +
      " · " + t.n_steps + " steps · " + t.prompt_tokens + " prompt + " + t.completion_tokens +
      " completion tokens · " + money(t.cost) + " · " + Number(t.seconds).toFixed(1) + " s" +
      (t.agent ? " · agent " + t.agent : "")}));
    if (t.prompt) {
      box.appendChild(el("details", {cls: "step"}, [el("summary", {text: "Task as the agent saw it"}),
        el("div", {}, [el("pre", {cls: "wrap", text: t.prompt})])]));
    }
    t.steps.forEach(function (s, i) {
      var calls = s.tools.map(function (c) { return c.name; }).join(", ") || (s.format_error ? "format error" : "no tool call");
      var inner = el("div");
      if (s.thought) inner.appendChild(el("pre", {cls: "wrap thought", text: s.thought}));
      if (s.format_error) inner.appendChild(el("p", {cls: "err", text: s.format_error}));
      s.tools.forEach(function (c) {
        inner.appendChild(el("p", {}, [el("span", {cls: "tool", text: c.name}), c.error ? el("span", {cls: "err", text: " (error)"}) : null]));
        if (c.arguments.trim()) inner.appendChild(el("pre", {cls: "wrap args", text: c.arguments}));
        inner.appendChild(el("pre", {cls: "wrap observation", text: c.output}));
      });
      var sum = "Step " + s.index + ": " + calls + " · " + s.prompt_tokens + "+" + s.completion_tokens + " tokens" +
        (s.cost ? " · " + money(s.cost) : "") + " · " + Number(s.seconds).toFixed(2) + " s";
      var det = el("details", {cls: "step"}, [el("summary", {text: sum}), inner]);
      if (i < 3) det.open = true;
      box.appendChild(det);
    });
    if (t.steps_cut) box.appendChild(el("p", {cls: "muted", text: t.steps_cut + " more steps not shown"}));
    return box;
  }

  function show(id) {
    var r = byId[id];
    document.querySelectorAll("table.instances tbody tr").forEach(function (tr) {
      tr.classList.toggle("current", tr.dataset.id === id);
    });
    detail.textContent = "";
    if (!r) { detail.hidden = true; delete detail.dataset.instance; return; }
    var close = el("button", {cls: "close", type: "button", text: "Close"});
    close.addEventListener("click", function () { history.pushState("", document.title, location.pathname + location.search); show(null); });
    var f2p = r.tests.filter(function (t) { return t.kind === "FAIL_TO_PASS"; });
    var p2p = r.tests.filter(function (t) { return t.kind === "PASS_TO_PASS"; });
    function passed(a) { return a.filter(function (t) { return t.ok; }).length + "/" + a.length; }
    detail.appendChild(el("div", {cls: "head"}, [el("h2", {text: r.instance_id}), badge(r.status),
      el("span", {cls: "muted", text: r.repo + (r.difficulty ? " · " + r.difficulty : "")}), close]));
    if (r.reason) detail.appendChild(el("p", {cls: "reason", text: r.reason}));
    var facts = [];
    if (r.applied_with) facts.push("patch applied with " + r.applied_with);
    if (r.seconds != null) facts.push("evaluated in " + Number(r.seconds).toFixed(1) + " s");
    if (r.reverted_files.length) facts.push("test infrastructure reverted: " + r.reverted_files.join(", "));
    if (r.violations.length) facts.push("log integrity: " + r.violations.join("; "));
    if (facts.length) detail.appendChild(el("p", {cls: "muted", text: facts.join(" · ")}));
    detail.appendChild(el("h3", {text: "Patch"}));
    detail.appendChild(diffBlock(r.patch));
    detail.appendChild(el("h3", {text: "Tests (FAIL_TO_PASS " + passed(f2p) + ", PASS_TO_PASS " + passed(p2p) + " passing)"}));
    detail.appendChild(testsBlock(r));
    detail.appendChild(el("h3", {text: "Test log (last lines)"}));
    detail.appendChild(r.log_tail ? el("pre", {cls: "log", text: r.log_tail}) : el("p", {cls: "empty-note", text: "No test log."}));
    detail.appendChild(el("h3", {text: "Trajectory"}));
    detail.appendChild(r.trajectory ? trajectoryBlock(r.trajectory) :
      el("p", {cls: "empty-note", text: "No trajectory (predictions were evaluated without an agent run)."}));
    detail.hidden = false;
    detail.dataset.instance = id;
    detail.scrollIntoView({block: "start"});
  }

  function fromHash() {
    var m = /^#instance=(.+)$/.exec(location.hash);
    show(m ? decodeURIComponent(m[1]) : null);
  }
  window.addEventListener("hashchange", fromHash);
  window.swerunShow = show;
  fromHash();
  document.body.dataset.ready = "1";
})();
