/* kg graph viewer. Every piece of data reaches the DOM through textContent or
 * createElement, never through a sink that parses HTML. Tooltips are DOM
 * elements, not HTML strings. */
(function () {
  "use strict";
  var t0 = performance.now();
  var DATA = JSON.parse(document.getElementById("kg-data").textContent);
  var SVG_NS = "http://www.w3.org/2000/svg";
  var EDGE_FONT_SIZE = DATA.options.edges.font.size || 11;

  var api = {
    ready: false, readyAt: null, startedAt: t0, stabilizedBy: null, physics: false,
    network: null, nodes: null, edges: null, data: DATA, errors: []
  };
  window.kgViewer = api;

  function $(id) { return document.getElementById(id); }
  function el(tag, text, cls) {
    var e = document.createElement(tag);
    if (text !== undefined && text !== null) e.textContent = String(text);
    if (cls) e.className = cls;
    return e;
  }
  function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); }

  // ------------------------------------------------------------------ indexes
  var nodeById = new Map();
  var edgeById = new Map();
  var incident = new Map();
  DATA.nodes.forEach(function (n) {
    nodeById.set(n.id, n);
    incident.set(n.id, []);
    n._hay = [n.name].concat(n.aliases || []).concat([n.id]).join("\n").toLowerCase();
  });
  DATA.edges.forEach(function (e) {
    edgeById.set(e.id, e);
    if (incident.has(e.from)) incident.get(e.from).push(e);
    if (e.to !== e.from && incident.has(e.to)) incident.get(e.to).push(e);
  });
  var typeInfo = new Map(DATA.types.map(function (t) { return [t.name, t]; }));
  var relInfo = new Map(DATA.relations.map(function (r) { return [r.name, r]; }));
  var typeVisible = new Map(DATA.types.map(function (t) { return [t.name, true]; }));
  var relVisible = new Map(DATA.relations.map(function (r) { return [r.name, true]; }));

  function nodeName(id) {
    var n = nodeById.get(id);
    return n ? n.name : String(id);
  }

  // ------------------------------------------------------------------ header
  $("kg-counts").textContent =
    DATA.shown_nodes + " nodes · " + DATA.shown_edges + " edges";
  // The truncation notice ("showing N of M nodes") is written into the page by Python.

  // ------------------------------------------------------------------ legend
  function shapeSwatch(shape, color) {
    var svg = document.createElementNS(SVG_NS, "svg");
    svg.setAttribute("width", "16");
    svg.setAttribute("height", "16");
    svg.setAttribute("viewBox", "0 0 16 16");
    var s;
    if (shape === "dot") {
      s = document.createElementNS(SVG_NS, "circle");
      s.setAttribute("cx", "8"); s.setAttribute("cy", "8"); s.setAttribute("r", "6");
    } else if (shape === "square") {
      s = document.createElementNS(SVG_NS, "rect");
      s.setAttribute("x", "2"); s.setAttribute("y", "2");
      s.setAttribute("width", "12"); s.setAttribute("height", "12");
    } else {
      var pts = {
        diamond: "8,1 15,8 8,15 1,8",
        triangle: "8,1 15,14 1,14",
        hexagon: "4,2 12,2 15,8 12,14 4,14 1,8"
      }[shape] || "4,2 12,2 15,8 12,14 4,14 1,8";
      s = document.createElementNS(SVG_NS, "polygon");
      s.setAttribute("points", pts);
    }
    s.setAttribute("fill", color);
    s.setAttribute("stroke", "#333");
    svg.appendChild(s);
    return svg;
  }

  function checkbox(kind, name, onChange) {
    var box = el("input");
    box.type = "checkbox";
    box.checked = true;
    box.dataset.kind = kind;
    box.dataset.name = name;
    box.addEventListener("change", function () { onChange(name, box.checked); });
    return box;
  }

  DATA.types.forEach(function (t) {
    var label = el("label");
    label.appendChild(checkbox("type", t.name, setTypeVisible));
    label.appendChild(shapeSwatch(t.shape, t.color));
    label.appendChild(el("span", t.name));
    label.appendChild(el("span", t.count, "count"));
    $("kg-types").appendChild(label);
  });
  DATA.relations.forEach(function (r) {
    var label = el("label");
    label.appendChild(checkbox("relation", r.name, setRelationVisible));
    var line = el("span", null, "swatch-line");
    line.style.borderTopColor = r.color;
    if (r.name === "co_occurs") line.style.borderTopStyle = "dashed";
    label.appendChild(line);
    label.appendChild(el("span", r.name));
    label.appendChild(el("span", r.count, "count"));
    $("kg-relations").appendChild(label);
  });
  if (!DATA.types.length) $("kg-types").appendChild(el("div", "none", "muted"));
  if (!DATA.relations.length) $("kg-relations").appendChild(el("div", "none", "muted"));

  // ------------------------------------------------------------------ panel
  var panel = $("kg-panel");
  function panelHint() {
    clear(panel);
    panel.appendChild(el("p", DATA.nodes.length
      ? "Click a node or an edge to see its details. 点击节点或边查看详情。"
      : "empty graph", "muted"));
  }

  function typeTag(etype) {
    var info = typeInfo.get(etype);
    var tag = el("span", etype, "tag");
    tag.style.background = info ? info.color : "#888";
    return tag;
  }
  function relTag(rel) {
    var info = relInfo.get(rel);
    var tag = el("span", rel, "rel");
    tag.style.color = info ? info.color : "#555";
    return tag;
  }
  function nodeLink(id) {
    if (!nodeById.has(id)) return el("span", String(id));
    var b = el("button", nodeName(id), "linklike");
    b.type = "button";
    b.addEventListener("click", function () { selectNode(id, true); });
    return b;
  }
  function addField(dl, key, value) {
    if (value === undefined || value === null || value === "") return;
    dl.appendChild(el("dt", key));
    var dd = el("dd");
    if (value instanceof Node) dd.appendChild(value); else dd.textContent = String(value);
    dl.appendChild(dd);
  }
  function evidenceList(e) {
    var items = [];
    var seen = new Set();
    (e.evidences || []).forEach(function (ev) {
      if (!ev || ev.sentence === null || ev.sentence === undefined) return;
      var k = ev.article + "\u0000" + ev.sentence;
      if (seen.has(k)) return;
      seen.add(k);
      items.push(ev);
    });
    if (!items.length && e.evidence) items.push({ article: e.article, sentence: e.evidence });
    var box = el("div");
    items.forEach(function (ev) {
      var p = el("p", null, "evidence");
      p.appendChild(el("span", ev.sentence, "sentence"));
      if (ev.article !== null && ev.article !== undefined && ev.article !== "") {
        p.appendChild(el("span", "[" + ev.article + "]", "src"));
      }
      box.appendChild(p);
    });
    if (!items.length) box.appendChild(el("p", "(no evidence sentence)", "muted"));
    return box;
  }

  function showNode(id) {
    var n = nodeById.get(id);
    if (!n) return;
    clear(panel);
    panel.dataset.kind = "node";
    panel.dataset.id = id;
    panel.appendChild(el("h2", n.name, "name"));
    var dl = el("dl");
    addField(dl, "type", typeTag(n.etype));
    addField(dl, "id", n.id);
    addField(dl, "mentions", n.mentions);
    addField(dl, "articles", n.articles);
    panel.appendChild(dl);

    panel.appendChild(el("h3", "Aliases"));
    if (n.aliases && n.aliases.length) {
      var ul = el("ul", null, "aliases");
      n.aliases.forEach(function (a) { ul.appendChild(el("li", a)); });
      panel.appendChild(ul);
    } else panel.appendChild(el("p", "none", "muted"));

    panel.appendChild(el("h3", "Articles"));
    var arts = n.article_ids || [];
    if (arts.length) {
      var p = el("p", arts.slice(0, 100).join(", ") +
        (arts.length > 100 ? " … (+" + (arts.length - 100) + ")" : ""), "articles");
      panel.appendChild(p);
    } else panel.appendChild(el("p", "none", "muted"));

    var list = incident.get(id) || [];
    panel.appendChild(el("h3", "Relations (" + list.length + ")"));
    var rl = el("ul", null, "edges");
    list.slice(0, DATA.panel_max_edges).forEach(function (e) {
      var li = el("li", null, "edge-item");
      var head = el("div");
      var outgoing = e.from === id;
      var other = outgoing ? e.to : e.from;
      if (outgoing) {
        head.appendChild(el("span", "→ "));
        head.appendChild(relTag(e.relation));
        head.appendChild(el("span", " → "));
      } else {
        head.appendChild(el("span", "← "));
        head.appendChild(relTag(e.relation));
        head.appendChild(el("span", " ← "));
      }
      head.appendChild(nodeLink(other));
      li.appendChild(head);
      li.appendChild(evidenceList(e));
      rl.appendChild(li);
    });
    panel.appendChild(rl);
    if (list.length > DATA.panel_max_edges) {
      panel.appendChild(el("p", "… and " + (list.length - DATA.panel_max_edges) + " more", "muted"));
    }
  }

  function showEdge(eid) {
    var e = edgeById.get(eid);
    if (!e) return;
    clear(panel);
    panel.dataset.kind = "edge";
    panel.dataset.id = eid;
    var h = el("h2");
    h.appendChild(relTag(e.relation));
    panel.appendChild(h);
    var dl = el("dl");
    addField(dl, "from", nodeLink(e.from));
    addField(dl, "to", nodeLink(e.to));
    addField(dl, "confidence", e.confidence);
    addField(dl, "count", e.count);
    addField(dl, "article", e.article);
    panel.appendChild(dl);
    panel.appendChild(el("h3", "Evidence"));
    panel.appendChild(evidenceList(e));
  }

  // ------------------------------------------------------------------ search
  var search = $("kg-search");
  var results = $("kg-results");
  var resultIds = [];
  var active = -1;
  function findNodes(q, limit) {
    q = String(q || "").trim().toLowerCase();
    if (!q) return [];
    var exact = [], prefix = [], other = [];
    DATA.nodes.forEach(function (n) {
      var i = n._hay.indexOf(q);
      if (i < 0) return;
      if (n.name.toLowerCase() === q) exact.push(n);
      else if (i === 0) prefix.push(n);
      else other.push(n);
    });
    var byWeight = function (a, b) { return (b.value || 0) - (a.value || 0); };
    prefix.sort(byWeight); other.sort(byWeight);
    return exact.concat(prefix, other).slice(0, limit || 30).map(function (n) { return n.id; });
  }
  function renderResults() {
    clear(results);
    resultIds = findNodes(search.value, 30);
    active = resultIds.length ? 0 : -1;
    if (!search.value.trim()) { results.hidden = true; return; }
    if (!resultIds.length) {
      results.appendChild(el("li", "no match", "muted"));
    }
    var q = search.value.trim().toLowerCase();
    resultIds.forEach(function (id, i) {
      var n = nodeById.get(id);
      var li = el("li");
      li.setAttribute("role", "option");
      li.dataset.id = id;
      if (i === active) li.className = "active";
      li.appendChild(typeTag(n.etype));
      li.appendChild(el("span", n.name, "name"));
      if (n.name.toLowerCase().indexOf(q) < 0) {
        var alias = (n.aliases || []).find(function (a) { return a.toLowerCase().indexOf(q) >= 0; });
        if (alias) li.appendChild(el("span", "alias: " + alias, "muted"));
      }
      li.addEventListener("mousedown", function (ev) { ev.preventDefault(); pick(id); });
      results.appendChild(li);
    });
    results.hidden = false;
  }
  function pick(id) {
    results.hidden = true;
    selectNode(id, true);
  }
  search.addEventListener("input", renderResults);
  search.addEventListener("focus", function () { if (search.value.trim()) renderResults(); });
  search.addEventListener("blur", function () { results.hidden = true; });
  search.addEventListener("keydown", function (ev) {
    if (ev.key === "Enter") {
      if (resultIds.length) pick(resultIds[Math.max(active, 0)]);
      ev.preventDefault();
    } else if (ev.key === "ArrowDown" || ev.key === "ArrowUp") {
      if (!resultIds.length) return;
      active = (active + (ev.key === "ArrowDown" ? 1 : resultIds.length - 1)) % resultIds.length;
      Array.prototype.forEach.call(results.children, function (li, i) {
        li.className = i === active ? "active" : "";
      });
      ev.preventDefault();
    } else if (ev.key === "Escape") {
      search.value = "";
      results.hidden = true;
    }
  });

  // ------------------------------------------------------------------ network
  var status = $("kg-status");
  var physicsButton = $("kg-physics");
  var network = null;

  function tooltip(lines) {
    var d = document.createElement("div");
    d.textContent = lines.filter(function (x) { return x; }).join("\n");
    return d;
  }

  function markReady(how) {
    if (api.ready) return;
    api.ready = true;
    api.readyAt = performance.now();
    api.stabilizedBy = how;
    status.hidden = true;
    physicsButton.disabled = !network;
    document.body.dataset.ready = "1";
  }

  function setPhysics(on) {
    if (!network) return;
    network.setOptions({ physics: { enabled: !!on } });
    api.physics = !!on;
    physicsButton.textContent = "Physics: " + (on ? "on" : "off");
    physicsButton.setAttribute("aria-pressed", on ? "true" : "false");
  }

  function nodeHidden(n) { return !typeVisible.get(n.etype); }
  function edgeHidden(e) {
    var a = nodeById.get(e.from), b = nodeById.get(e.to);
    return !relVisible.get(e.relation) || (a && nodeHidden(a)) || (b && nodeHidden(b));
  }
  function applyFilters() {
    if (!network) return;
    var nu = [], eu = [];
    DATA.nodes.forEach(function (n) {
      var h = nodeHidden(n);
      if (!!n._hidden !== h) { n._hidden = h; nu.push({ id: n.id, hidden: h }); }
    });
    DATA.edges.forEach(function (e) {
      var h = !!edgeHidden(e);
      if (!!e._hidden !== h) { e._hidden = h; eu.push({ id: e.id, hidden: h }); }
    });
    if (nu.length) api.nodes.update(nu);
    if (eu.length) api.edges.update(eu);
  }
  function setTypeVisible(name, on) {
    typeVisible.set(name, !!on);
    syncBox("type", name, on);
    applyFilters();
  }
  function setRelationVisible(name, on) {
    relVisible.set(name, !!on);
    syncBox("relation", name, on);
    applyFilters();
  }
  function syncBox(kind, name, on) {
    document.querySelectorAll("#legend input[type=checkbox]").forEach(function (b) {
      if (b.dataset.kind === kind && b.dataset.name === name) b.checked = !!on;
    });
  }

  function selectNode(id, focus) {
    var n = nodeById.get(id);
    if (!n) return false;
    if (!typeVisible.get(n.etype)) setTypeVisible(n.etype, true);
    if (network) {
      network.selectNodes([id]);
      if (focus) {
        network.focus(id, {
          scale: Math.max(network.getScale(), 1.2),
          animation: { duration: 300, easingFunction: "easeInOutQuad" }
        });
      }
    }
    showNode(id);
    return true;
  }
  function selectEdge(eid) {
    if (!edgeById.has(eid)) return false;
    if (network) network.selectEdges([eid]);
    showEdge(eid);
    return true;
  }
  function nodeDOMPosition(id) {
    if (!network) return null;
    var pos = network.getPositions([id])[id];
    if (!pos) return null;
    var dom = network.canvasToDOM(pos);
    var rect = $("kg-graph").getBoundingClientRect();
    return { x: rect.left + dom.x, y: rect.top + dom.y };
  }

  function edgeDOMPosition(eid) {
    // The middle of the drawn edge (curved edges included), for tests and tools.
    if (!network) return null;
    var e = edgeById.get(eid);
    if (!e) return null;
    var pt = null;
    try {
      pt = network.body.edges[eid].edgeType.getPoint(0.5);
    } catch (err) {
      var pos = network.getPositions([e.from, e.to]);
      pt = { x: (pos[e.from].x + pos[e.to].x) / 2, y: (pos[e.from].y + pos[e.to].y) / 2 };
    }
    var dom = network.canvasToDOM(pt);
    var rect = $("kg-graph").getBoundingClientRect();
    return { x: rect.left + dom.x, y: rect.top + dom.y };
  }

  api.selectNode = selectNode;
  api.edgeDOMPosition = edgeDOMPosition;
  api.selectEdge = selectEdge;
  api.search = findNodes;
  api.setPhysics = setPhysics;
  api.setTypeVisible = setTypeVisible;
  api.setRelationVisible = setRelationVisible;
  api.nodeDOMPosition = nodeDOMPosition;

  var edgeLabelBox = $("kg-edge-labels");
  edgeLabelBox.checked = !!DATA.edge_labels;
  function setEdgeLabels(on) {
    edgeLabelBox.checked = !!on;
    if (network) network.setOptions({ edges: { font: { size: on ? EDGE_FONT_SIZE : 0 } } });
  }
  edgeLabelBox.addEventListener("change", function () { setEdgeLabels(edgeLabelBox.checked); });
  api.setEdgeLabels = setEdgeLabels;

  panelHint();
  $("kg-fit").addEventListener("click", function () { if (network) network.fit({ animation: true }); });
  physicsButton.addEventListener("click", function () { setPhysics(!api.physics); });

  if (!DATA.nodes.length) {
    status.textContent = "empty graph";
    status.hidden = false;
    status.dataset.empty = "1";
    $("kg-fit").disabled = true;
    markReady("empty");
    status.hidden = false;
    return;
  }
  if (typeof vis === "undefined" || !vis.Network) {
    status.textContent = "vis-network failed to load";
    api.errors.push("vis-network missing");
    return;
  }

  var visNodes = DATA.nodes.map(function (n) {
    return {
      id: n.id, label: n.label, shape: n.shape, color: n.color, value: n.value,
      title: tooltip([n.name, n.etype, n.aliases && n.aliases.length ? "aka " + n.aliases.join(", ") : ""])
    };
  });
  var visEdges = DATA.edges.map(function (e) {
    var r = {
      id: e.id, from: e.from, to: e.to, label: e.label, color: e.color, value: e.value,
      title: tooltip([e.relation, e.evidence ? String(e.evidence).slice(0, 200) : ""])
    };
    if (e.arrows !== undefined) r.arrows = e.arrows;
    if (e.smooth !== undefined) r.smooth = e.smooth;
    if (e.dashes !== undefined) r.dashes = e.dashes;
    return r;
  });
  api.nodes = new vis.DataSet(visNodes);
  api.edges = new vis.DataSet(visEdges);

  if (!DATA.edge_labels) DATA.options.edges.font.size = 0;
  status.textContent = "Laying out " + DATA.shown_nodes + " nodes…";
  // The layout's time budget counts from here, network construction included.
  var stabStart = performance.now();
  network = new vis.Network($("kg-graph"), { nodes: api.nodes, edges: api.edges }, DATA.options);
  api.network = network;
  api.physics = true;

  network.on("stabilizationProgress", function (p) {
    if (api.ready) return;  // only the first layout is on a budget
    api.iterations = p.iterations;
    api.targetIterations = p.total;
    var pct = p.total ? Math.round(100 * p.iterations / p.total) : 0;
    status.textContent = "Laying out… " + pct + "%";
    if (performance.now() - stabStart > DATA.budget_ms) {
      api.stabilizedBy = "budget";
      network.stopSimulation();
    }
  });
  network.once("stabilizationIterationsDone", function () {
    setPhysics(false);
    // Ready once the laid-out graph has been painted (or shortly after, whatever).
    var done = function () { markReady(api.stabilizedBy || "stabilized"); };
    network.once("afterDrawing", function () { requestAnimationFrame(done); });
    setTimeout(done, 1000);
  });
  network.on("click", function (params) {
    if (params.nodes && params.nodes.length) showNode(params.nodes[0]);
    else if (params.edges && params.edges.length) showEdge(params.edges[0]);
    else panelHint();
  });
  api.constructedAt = performance.now();
})();
