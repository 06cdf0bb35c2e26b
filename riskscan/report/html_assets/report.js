// riskscan HTML report: reads the embedded report JSON and draws it. Hand-written, no libraries.
// Every piece of text from the report goes into the page through textContent or createTextNode,
// never as markup: tool names and descriptions are written by whoever wrote the tools.
(function () {
  "use strict";
  var SVG = "http://www.w3.org/2000/svg";
  var SEVERITIES = ["critical", "high", "medium", "low", "note"];
  // Characters that act on the text around them (controls, bidirectional overrides, zero-width and
  // other format characters, separators) are shown as escapes, \u202e, as the terminal report
  // shows them; newlines and tabs stay (the page lays them out as spaces).
  var HIDDEN = /(?![\n\t])[\p{Cc}\p{Cf}\p{Cs}\p{Zl}\p{Zp}]/gu;
  function escaped(char) {
    if (char === "\r") return "\\r";
    var code = char.codePointAt(0);
    if (code < 0x100) return "\\x" + ("0" + code.toString(16)).slice(-2);
    if (code < 0x10000) return "\\u" + ("000" + code.toString(16)).slice(-4);
    return "\\U" + ("0000000" + code.toString(16)).slice(-8);
  }
  function visible(value) {
    if (typeof value === "string") return value.replace(HIDDEN, escaped);
    if (Array.isArray(value)) return value.map(visible);
    if (value && typeof value === "object") {
      var copy = {};
      Object.keys(value).forEach(function (key) { copy[visible(key)] = visible(value[key]); });
      return copy;
    }
    return value;
  }
  var data = visible(JSON.parse(document.getElementById("riskscan-data").textContent));
  var report = data.report;
  var graph = data.graph;

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (key) { node.setAttribute(key, attrs[key]); });
    (children || []).forEach(function (child) {
      node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    });
    return node;
  }

  function svg(tag, attrs) {
    var node = document.createElementNS(SVG, tag);
    Object.keys(attrs || {}).forEach(function (key) { node.setAttribute(key, String(attrs[key])); });
    return node;
  }

  function where(location) {
    if (!location) { return ""; }
    var path = location.cell ? location.path + "[cell " + location.cell + "]" : location.path;  // a notebook's cell
    if (!location.line) { return path; }
    return path + ":" + location.line + (location.column ? ":" + location.column : "");
  }

  function badge(severity) {
    return el("span", { "class": "badge sev-" + severity }, [severity]);
  }

  // --- summary -------------------------------------------------------------------------------
  function drawSummary() {
    var box = document.getElementById("summary");
    box.appendChild(el("span", {}, ["riskscan " + report.tool.version]));
    SEVERITIES.forEach(function (severity) {
      box.appendChild(el("span", {}, [badge(severity), " " + report.summary.by_severity[severity]]));
    });
    box.appendChild(el("span", { "class": "muted" }, [report.agents.length + " agents, " + report.tools.length + " tools"]));
    var notices = document.getElementById("notices");
    data.notices.forEach(function (notice) { notices.appendChild(el("li", {}, [notice])); });
    notices.classList.toggle("hidden", data.notices.length === 0);
  }

  // --- the capability graph ------------------------------------------------------------------
  var COLUMNS = { agent: 0, tool: 1, label: 2 };
  var COLUMN_X = [20, 330, 640];
  var NODE_W = 250, NODE_H = 22, ROW = 28, TOP = 34;
  var svgRoot = null;

  function shorten(text, max) {
    return text.length > max ? text.slice(0, max - 1) + "\u2026" : text;
  }

  function drawGraph() {
    var onlyDanger = document.getElementById("graph-dangerous-only").checked;
    var wrap = document.getElementById("graph-wrap");
    while (wrap.firstChild) { wrap.removeChild(wrap.firstChild); }
    var nodes = graph.nodes.filter(function (n) { return !onlyDanger || n.danger; });
    var place = {};
    var rows = [0, 0, 0];
    nodes.forEach(function (node) {
      var column = COLUMNS[node.kind];
      place[node.id] = { x: COLUMN_X[column], y: TOP + rows[column] * ROW };
      rows[column] += 1;
    });
    var height = TOP + Math.max(1, Math.max.apply(null, rows)) * ROW + 10;
    svgRoot = svg("svg", { width: COLUMN_X[2] + NODE_W + 20, height: height, role: "img", "aria-label": "capability graph" });
    ["agents", "tools", "capabilities"].forEach(function (title, column) {
      var text = svg("text", { x: COLUMN_X[column], y: 18, "class": "column-title" });
      text.textContent = title;
      svgRoot.appendChild(text);
    });
    graph.edges.forEach(function (edge) {
      var a = place[edge.source], b = place[edge.target];
      if (!a || !b) { return; }
      var d;
      if (edge.relation === "handoff") {  // agent to agent: an arc left of the agent column
        var bend = 12 + Math.abs(b.y - a.y) / 4;
        d = "M" + a.x + "," + (a.y + NODE_H / 2) + " C" + (a.x - bend) + "," + (a.y + NODE_H / 2) + " " +
          (b.x - bend) + "," + (b.y + NODE_H / 2) + " " + b.x + "," + (b.y + NODE_H / 2);
      } else {
        var x1 = a.x + NODE_W, y1 = a.y + NODE_H / 2, x2 = b.x, y2 = b.y + NODE_H / 2, mid = (x1 + x2) / 2;
        d = "M" + x1 + "," + y1 + " C" + mid + "," + y1 + " " + mid + "," + y2 + " " + x2 + "," + y2;
      }
      var path = svg("path", { d: d, "class": "edge " + edge.relation + (edge.danger ? " danger" : ""), "data-id": edge.id });
      var title = svg("title");
      title.textContent = edge.kind + (edge.conditions.indexOf("always") < 0 ? " when " + edge.conditions.join(" or ") : "");
      path.appendChild(title);
      svgRoot.appendChild(path);
    });
    nodes.forEach(function (node) {
      var p = place[node.id];
      var group = svg("g", { "class": "node " + node.kind + (node.danger ? " danger" : ""), "data-id": node.id,
        transform: "translate(" + p.x + "," + p.y + ")" });
      group.appendChild(svg("rect", { width: NODE_W, height: NODE_H, rx: node.kind === "tool" ? 11 : 3 }));
      var text = svg("text", { x: 8, y: 15 });
      text.textContent = shorten(node.name, 36);
      group.appendChild(text);
      var title = svg("title");
      title.textContent = node.kind + ": " + node.name + (node.location ? " (" + node.location + ")" : "") +
        (node.labels.length ? "\n[" + node.labels.join(", ") + "]" : "") + (node.description ? "\n" + node.description : "");
      group.appendChild(title);
      svgRoot.appendChild(group);
    });
    wrap.appendChild(svgRoot);
    document.getElementById("graph-caption").textContent = nodes.length + " of " + graph.nodes.length +
      " nodes; red: on a dangerous path";
  }

  function focusPath(path) {
    if (!svgRoot) { return; }
    var nodes = {}, edges = {};
    (path ? path.nodes : []).forEach(function (id) { nodes[id] = true; });
    (path ? path.edges : []).forEach(function (id) { edges[id] = true; });
    svgRoot.classList.toggle("focused", !!path);
    Array.prototype.forEach.call(svgRoot.querySelectorAll(".node"), function (node) {
      node.classList.toggle("focus", !!nodes[node.getAttribute("data-id")]);
    });
    Array.prototype.forEach.call(svgRoot.querySelectorAll(".edge"), function (edge) {
      edge.classList.toggle("focus", !!edges[edge.getAttribute("data-id")]);
    });
    document.getElementById("graph-clear").classList.toggle("hidden", !path);
  }

  // --- findings ------------------------------------------------------------------------------
  var pathsByFingerprint = {};
  graph.paths.forEach(function (path) { pathsByFingerprint[path.fingerprint] = path; });

  function stepItem(step) {
    var sentence = step.kind === "handoff" ? step.agent + " hands off to " + step.target : step.agent + " calls " + step.tool;
    if (step.labels.length) { sentence += " [" + step.labels.join(", ") + "]"; }
    if (step.note) { sentence += " \u2014 " + step.note; }
    var item = el("li", {}, [sentence, " ", el("span", { "class": "where muted" }, [where(step.location)])]);
    step.evidence.forEach(function (evidence) {
      item.appendChild(el("div", { "class": "evidence" }, [
        evidence.kind + ": " + evidence.detail + (evidence.location ? " (" + where(evidence.location) + ")" : "")]));
    });
    return item;
  }

  var remediations = {};
  report.rules.forEach(function (rule) { remediations[rule.id] = rule.remediation; });

  function fixesFor(fingerprint) {
    return report.fixes.filter(function (fix) { return fix.removes.indexOf(fingerprint) >= 0; });
  }

  function findingBlock(finding) {
    var block = el("details", { "class": "finding", "data-severity": finding.severity, "data-rule": finding.rule_id });
    block.appendChild(el("summary", {}, [badge(finding.severity), el("span", { "class": "rule" },
      [finding.rule_id + " " + finding.rule_name]), finding.message, " ", el("span", { "class": "where muted" }, [where(finding.location)])]));
    block.appendChild(el("div", { "class": "muted" }, ["score " + finding.score + " = " + finding.factors.map(function (f) {
      return f.name + " " + f.value; }).join(" \u00d7 ") + "; confidence " + finding.confidence]));
    if (finding.steps.length) {
      block.appendChild(el("ol", {}, finding.steps.map(stepItem)));
    }
    if (finding.conditions.length) {
      block.appendChild(el("div", {}, ["only when " + finding.conditions.join(" and ")]));
    }
    finding.gates.forEach(function (gate) {
      block.appendChild(el("div", {}, ["gate: " + gate.kind + (gate.status ? " (" + gate.status + ")" : "") + " \u2014 " +
        gate.detail + (gate.witness ? "; passed by " + gate.witness : "")]));
    });
    if (finding.alternatives.length) {
      var others = finding.alternatives.length;
      block.appendChild(el("div", { "class": "muted" }, [others + " other route" + (others === 1 ? "" : "s") + " to the same risk"]));
    }
    var fixes = fixesFor(finding.fingerprint);
    fixes.forEach(function (fix) {
      block.appendChild(el("div", { "class": "fix" }, ["fix: " + fix.description + (fix.location ? " at " + where(fix.location) : "")]));
    });
    if (!fixes.length && remediations[finding.rule_id]) {  // not in the smallest fix: its rule's remediation, as the text report gives
      block.appendChild(el("div", { "class": "fix" }, ["fix: " + remediations[finding.rule_id]]));
    }
    var path = pathsByFingerprint[finding.fingerprint];
    if (path) {
      var button = el("button", { type: "button", "class": "show-path" }, ["show on the graph"]);
      button.addEventListener("click", function () { focusPath(path); });
      block.appendChild(button);
    }
    return block;
  }

  var shownSeverities = {};
  SEVERITIES.forEach(function (s) { shownSeverities[s] = true; });
  var shownRule = "";

  function applyFilters() {
    var blocks = document.querySelectorAll("#findings .finding");
    var shown = 0;
    Array.prototype.forEach.call(blocks, function (block) {
      var visible = shownSeverities[block.getAttribute("data-severity")] &&
        (!shownRule || block.getAttribute("data-rule") === shownRule);
      block.classList.toggle("hidden", !visible);
      if (visible) { shown += 1; }
    });
    document.getElementById("shown-count").textContent = "Showing " + shown + " of " + blocks.length + " findings";
  }

  function drawFilters() {
    var box = document.getElementById("filters");
    SEVERITIES.forEach(function (severity) {
      var box_ = el("input", { type: "checkbox", "data-severity": severity });
      box_.checked = true;
      box_.addEventListener("change", function () { shownSeverities[severity] = box_.checked; applyFilters(); });
      box.appendChild(el("label", {}, [box_, " ", badge(severity), " " + report.summary.by_severity[severity]]));
    });
    var select = el("select", { id: "rule-filter", "aria-label": "rule" }, [el("option", { value: "" }, ["every rule"])]);
    var ruleNames = {};
    report.rules.forEach(function (rule) { ruleNames[rule.id] = rule.name; });
    var seen = {};
    report.findings.forEach(function (f) { seen[f.rule_id] = true; });
    Object.keys(seen).sort().forEach(function (id) {
      select.appendChild(el("option", { value: id }, [id + " " + (ruleNames[id] || "")]));
    });
    select.addEventListener("change", function () { shownRule = select.value; applyFilters(); });
    box.appendChild(select);
  }

  function drawFindings() {
    var box = document.getElementById("findings");
    report.findings.forEach(function (finding) { box.appendChild(findingBlock(finding)); });
    if (!report.findings.length) { box.appendChild(el("p", {}, ["No findings."])); }
    applyFilters();
  }

  function drawFixes() {
    var box = document.getElementById("fixes");
    if (!report.fixes.length) {
      box.appendChild(el("p", { "class": "muted" }, ["No fix set: no path at or above the threshold."]));
      return;
    }
    box.appendChild(el("p", {}, [report.fixes.length + " change(s) remove every path at or above the threshold:"]));
    box.appendChild(el("ul", {}, report.fixes.map(function (fix) {
      return el("li", { "class": "fix" }, [fix.description + (fix.location ? " at " + where(fix.location) : "") +
        " (removes " + fix.removes.length + ")"]);
    })));
  }

  function drawDiagnostics() {
    var box = document.getElementById("diagnostics");
    if (!report.diagnostics.length) { box.appendChild(el("p", { "class": "muted" }, ["None."])); return; }
    box.appendChild(el("ul", {}, report.diagnostics.map(function (d) {
      return el("li", {}, [d.severity + " " + d.code + ": " + d.message + " ", el("span", { "class": "where muted" }, [where(d.location)])]);
    })));
  }

  drawSummary();
  drawGraph();
  document.getElementById("graph-dangerous-only").addEventListener("change", function () { drawGraph(); focusPath(null); });
  document.getElementById("graph-clear").addEventListener("click", function () { focusPath(null); });
  drawFilters();
  drawFindings();
  drawFixes();
  drawDiagnostics();
}());
