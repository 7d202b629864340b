// The pgml-follower dashboard: reads /api/* (same origin, the page's Basic credentials) and draws
// what it gets. No framework: a handful of tables and two SVG charts.
"use strict";

const KEY_METRIC = { classification: "f1", regression: "r2", clustering: "silhouette" };
const lagHistory = [];

function el(tag, text, attrs = {}) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = String(text);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  return node;
}

function row(cells, attrs) {
  const tr = el("tr", null, attrs);
  for (const cell of cells) tr.append(el("td", cell));
  return tr;
}

async function api(path) {
  const response = await fetch(path, { credentials: "same-origin", cache: "no-store" });
  if (!response.ok) throw new Error(path + ": HTTP " + response.status);
  return response.json();
}

function keyMetric(task, metricsJson) {
  if (!metricsJson) return null;
  const metrics = JSON.parse(metricsJson);
  const name = KEY_METRIC[task] in metrics
    ? KEY_METRIC[task]
    : Object.keys(metrics).find((k) => typeof metrics[k] === "number");
  return name === undefined ? null : { name, value: metrics[name] };
}

function formatMetric(metric) {
  return metric ? metric.name + " " + Number(metric.value).toFixed(4) : "";
}

function svgNode(tag, attrs) {
  const node = document.createElementNS("http://www.w3.org/2000/svg", tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  return node;
}

function drawLag(svg) {
  svg.replaceChildren();
  if (lagHistory.length === 0) return;
  const history = lagHistory.length === 1 ? [lagHistory[0], lagHistory[0]] : lagHistory;
  const max = Math.max(1, ...history);
  const points = history
    .map((v, i) => `${(i / (history.length - 1)) * 400},${78 - (v / max) * 74}`)
    .join(" ");
  svg.append(svgNode("polyline", { points }));
  const label = svgNode("text", { x: 4, y: 10 });
  label.textContent = "max " + max + " B";
  svg.append(label);
}

async function refreshReplication() {
  const s = await api("/api/replication");
  const badge = document.querySelector("[data-test=replication-state]");
  badge.textContent = s.state;
  badge.className = "badge " + s.state;
  document.getElementById("r-source").textContent = s.sourceName;
  document.getElementById("r-slot").textContent = s.slot;
  document.getElementById("r-received").textContent = s.receivedLsn;
  document.getElementById("r-applied").textContent = s.appliedLsn;
  document.getElementById("r-lag").textContent = s.lagBytes + " bytes, " + s.lagMillis + " ms";
  document.getElementById("r-changes").textContent = s.appliedChanges;
  document.getElementById("r-error").textContent = s.lastError || "none";
  lagHistory.push(s.lagBytes);
  if (lagHistory.length > 150) lagHistory.shift();
  drawLag(document.querySelector("[data-test=lag-chart]"));
  const copies = document.querySelector("[data-test=copies] tbody");
  copies.replaceChildren(
    ...s.tableCopies.map((c) => {
      const seconds = Number(c.elapsed) || 0;
      return row([
        c.table.schema + "." + c.table.name, c.state, c.rows,
        seconds > 0 ? Math.round(c.rows / seconds) + " rows/s" : "",
        seconds.toFixed(1) + " s", c.connections,
      ]);
    }),
  );
}

function drawMetricChart(svg, models, task) {
  svg.replaceChildren();
  const points = models
    .map((m) => ({ model: m, metric: keyMetric(task, m.metrics) }))
    .filter((p) => p.metric !== null);
  if (points.length === 0) return;
  const values = points.map((p) => p.metric.value);
  const max = Math.max(...values.map(Math.abs), 1e-9);
  const width = 400 / points.length;
  points.forEach((p, i) => {
    const h = (Math.abs(p.metric.value) / max) * 100;
    svg.append(svgNode("rect", {
      class: p.model.deployed ? "bar deployed" : "bar",
      x: i * width + width * 0.15, y: 110 - h, width: width * 0.7, height: h,
      "data-model": p.model.id,
    }));
    const label = svgNode("text", { x: i * width + width * 0.15, y: 119 });
    label.textContent = "#" + p.model.id;
    svg.append(label);
  });
  const title = svgNode("text", { x: 4, y: 9 });
  title.textContent = points[0].metric.name + " by model";
  svg.append(title);
}

let shownProject = null;

// A deploy: the credentials the page was opened with, plus the header that tells this server the
// request comes from its own page (see DashboardApi).
async function deploy(project, body) {
  const status = document.querySelector("[data-test=deploy-status]");
  status.textContent = "deploying…";
  const response = await fetch("/api/projects/" + encodeURIComponent(project.name) + "/deploy", {
    method: "POST",
    credentials: "same-origin",
    headers: { "Content-Type": "application/json", "X-Requested-By": "pgml-follower" },
    body: JSON.stringify(body),
  });
  let answer;
  try {
    answer = await response.json();
  } catch (e) {
    answer = { error: "HTTP " + response.status };
  }
  status.textContent = response.ok
    ? "deployed " + answer.algorithm + " (" + answer.strategy + ")"
    : "refused: " + answer.error + (answer.sqlstate ? " [" + answer.sqlstate + "]" : "");
  await refreshProjects();
  await showProject(project);
}

async function showProject(project, tr) {
  shownProject = project;
  document.querySelectorAll("[data-test=projects] tr").forEach((r) =>
    r.classList.toggle("selected", r.dataset.project === project.name));
  const models = await api("/api/projects/" + encodeURIComponent(project.name) + "/models");
  document.querySelector("[data-test=rollback]").onclick = () => deploy(project, { strategy: "rollback" });
  document.querySelector("[data-test=deploy-best]").onclick = () => deploy(project, { strategy: "best_score" });
  document.getElementById("project-detail").hidden = false;
  document.getElementById("models-title").textContent = project.name + ": " + models.length + " models";
  drawMetricChart(document.querySelector("[data-test=metric-chart]"), models, project.task);
  document.querySelector("[data-test=models] tbody").replaceChildren(
    ...models.map((m) => {
      const tr = row([
        "#" + m.id, m.algorithm, m.status, formatMetric(keyMetric(project.task, m.metrics)),
        m.deployed ? "deployed" : "", (m.createdAt || "").slice(0, 16),
      ], { "data-model": m.id });
      const cell = el("td");
      if (!m.deployed && m.status === "successful") {
        const button = el("button", "deploy", { type: "button", "data-test": "deploy-model" });
        button.onclick = () => deploy(project, { model: m.id });
        cell.append(button);
      }
      tr.append(cell);
      return tr;
    }),
  );
}

async function refreshProjects() {
  const projects = await api("/api/projects");
  const body = document.querySelector("[data-test=projects] tbody");
  body.replaceChildren(
    ...projects.map((p) => {
      const tr = row([
        p.name, p.task, p.models,
        !p.deployedModel ? "none" : p.deployedAlgorithm + " #" + p.deployedModel,
        formatMetric(keyMetric(p.task, p.metrics)),
      ], { class: "clickable", "data-project": p.name });
      tr.addEventListener("click", () => showProject(p, tr));
      if (shownProject !== null && shownProject.name === p.name) tr.classList.add("selected");
      return tr;
    }),
  );
}

async function showTable(relation, tr) {
  document.querySelectorAll("[data-test=tables] tr.selected").forEach((r) => r.classList.remove("selected"));
  tr.classList.add("selected");
  const detail = await api(
    "/api/tables/" + encodeURIComponent(relation.schema) + "/" + encodeURIComponent(relation.name),
  );
  document.getElementById("table-detail").hidden = false;
  document.getElementById("table-title").textContent = relation.schema + "." + relation.name;
  document.getElementById("stats-note").textContent =
    "Statistics over the first " + detail.statsRows + " rows.";
  document.querySelector("[data-test=columns] tbody").replaceChildren(
    ...detail.columns.map((c) => row([c.name, c.type, c.nulls, c.distinct, c.min ?? "", c.max ?? ""])),
  );
  const sample = document.querySelector("[data-test=sample]");
  const head = el("tr");
  detail.sampleColumns.forEach((c) => head.append(el("th", c)));
  sample.tHead.replaceChildren(head);
  sample.tBodies[0].replaceChildren(...detail.sample.map((r) => row(r.map((v) => v ?? "NULL"))));
}

async function refreshTables() {
  const relations = await api("/api/tables");
  document.querySelector("[data-test=tables] tbody").replaceChildren(
    ...relations.map((r) => {
      const tr = row([r.schema + "." + r.name, r.kind, r.estimatedRows < 0 ? "?" : r.estimatedRows], {
        class: "clickable", "data-table": r.schema + "." + r.name,
      });
      tr.addEventListener("click", () => showTable(r, tr));
      return tr;
    }),
  );
}

// Trainings running in the follower, with how far a hyperparameter search got.
async function refreshTraining() {
  const running = await api("/api/training");
  const section = document.querySelector("[data-test=training]");
  section.hidden = running.length === 0;
  section.querySelector("tbody").replaceChildren(
    ...running.map((t) => {
      // The server's clock, not the browser's.
      const seconds = Number(t.elapsedSeconds) || 0;
      const search = t.candidates > 0 ? t.candidatesDone + " / " + t.candidates + " candidates" : "";
      return row(["#" + t.modelId, t.project, t.algorithm, t.stage, search, seconds.toFixed(0) + " s"], {
        "data-model": t.modelId,
      });
    }),
  );
}

async function start() {
  // Each part on its own: one failing call leaves the others shown and polled.
  const parts = await Promise.allSettled([
    refreshReplication(), refreshProjects(), refreshTables(), refreshTraining(),
  ]);
  const failed = parts.find((p) => p.status === "rejected");
  if (failed) throw failed.reason;
  document.body.dataset.loaded = "true";
  setInterval(() => refreshReplication().catch(console.error), 2000);
  setInterval(() => refreshProjects().catch(console.error), 10000);
  setInterval(() => refreshTraining().catch(console.error), 1000);
}

start().catch((e) => {
  document.body.dataset.loaded = "error";
  document.querySelector("[data-test=replication-state]").textContent = "error: " + e.message;
  setInterval(() => refreshReplication().catch(console.error), 2000);
});
