// Drives the dashboard of a running follower in headless Chromium (Debian's /usr/bin/chromium) and
// checks it shows what the follower holds. Run by DashboardIT:
//   node dashboard_test.mjs <base-url> <user> <password> <expectations.json> <screenshot-dir>
// expectations: { project, task, models, table, tableRows, sampleColumn }, or { trainingProject }
// to check only that a running search shows its progress (dashboard-training.png)
// Prints one JSON line of what it saw; exits non-zero on the first failed check.
import { chromium } from "playwright-core";
import { readFileSync } from "node:fs";

const [base, user, password, expectationsFile, shots] = process.argv.slice(2);
const expected = JSON.parse(readFileSync(expectationsFile, "utf8"));
const seen = {};

function check(condition, what) {
  if (!condition) throw new Error("check failed: " + what + " (seen so far: " + JSON.stringify(seen) + ")");
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
  ],
});
try {
  // Without credentials the page is refused (a browser then asks for them).
  const refused = await fetch(base + "/");
  seen.anonymousStatus = refused.status;
  check(refused.status === 401, "the page asks for credentials");
  check((refused.headers.get("www-authenticate") || "").startsWith("Basic"), "Basic auth is offered");

  const context = await browser.newContext({
    httpCredentials: { username: user, password },
    viewport: { width: 1400, height: 1000 },
  });
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  await page.goto(base + "/");
  await page.waitForSelector("body[data-loaded=true]", { timeout: 30000 });

  if (expected.trainingProject) {
    // A hyperparameter search under way: its row under "Training now", with how far it got.
    await page.waitForFunction(
      (project) => [...document.querySelectorAll("[data-test=training] tbody tr")]
        .some((r) => r.cells[1].textContent === project && /^[1-9]\d* \/ \d+ candidates$/.test(r.cells[4].textContent)),
      expected.trainingProject,
      { timeout: 60000 });
    seen.trainingRow = (await page.locator("[data-test=training] tbody tr").first().innerText())
      .replace(/\s+/g, " ");
    await page.screenshot({ path: shots + "/dashboard-training.png", fullPage: true });
    seen.pageErrors = errors;
    check(errors.length === 0, "no script errors");
    console.log(JSON.stringify(seen));
    await browser.close();
    process.exit(0);
  }

  seen.state = await page.textContent("[data-test=replication-state]");
  check(seen.state === "STREAMING", "replication is STREAMING");
  seen.copies = await page.$$eval("[data-test=copies] tbody tr", (rows) =>
    rows.map((r) => [...r.cells].map((c) => c.textContent)));
  check(seen.copies.some((c) => c[0] === expected.table && c[1] === "COMMITTED"
    && c[2] === String(expected.tableRows) && /rows\/s$/.test(c[3])), "the table's copy and its rate");
  seen.appliedLsn = await page.textContent("#r-applied");
  check(/^[0-9A-F]+\/[0-9A-F]+$/.test(seen.appliedLsn), "an applied LSN is shown");

  const projectRow = page.locator(`[data-test=projects] tr[data-project="${expected.project}"]`);
  seen.projectRow = (await projectRow.innerText()).replace(/\s+/g, " ");
  check(seen.projectRow.includes(expected.task), "the project's task");
  check(seen.projectRow.includes(String(expected.models)), "the project's model count");
  check(/f1 \d\.\d{4}/.test(seen.projectRow), "the deployed model's key metric");
  await page.screenshot({ path: shots + "/dashboard-overview.png", fullPage: true });

  await projectRow.click();
  await page.waitForSelector("[data-test=models] tbody tr");
  seen.modelRows = await page.locator("[data-test=models] tbody tr").count();
  check(seen.modelRows === expected.models, "one row per model");
  seen.bars = await page.locator("[data-test=metric-chart] rect.bar").count();
  check(seen.bars === expected.models, "one bar per model in the metric chart");
  seen.deployedBars = await page.locator("[data-test=metric-chart] rect.bar.deployed").count();
  check(seen.deployedBars === 1, "the deployed model's bar stands out");
  await page.screenshot({ path: shots + "/dashboard-project.png", fullPage: true });

  // Deploy the other model with its button, then roll back: the deployed mark follows.
  const deployedRow = async () =>
    page.$$eval("[data-test=models] tbody tr", (rows) =>
      rows.filter((r) => r.cells[4].textContent === "deployed").map((r) => r.dataset.model));
  const [before] = await deployedRow();
  const other = (await page.$$eval("[data-test=models] tbody tr", (rows) => rows.map((r) => r.dataset.model)))
    .find((id) => id !== before);
  await page.click(`[data-test=models] tr[data-model="${other}"] [data-test=deploy-model]`);
  await page.waitForFunction(
    (id) => [...document.querySelectorAll("[data-test=models] tbody tr")]
      .some((r) => r.dataset.model === id && r.cells[4].textContent === "deployed"),
    other);
  seen.deployStatus = await page.textContent("[data-test=deploy-status]");
  check(seen.deployStatus.startsWith("deployed"), "the deploy is reported");
  check((await deployedRow()).join() === other, "only the chosen model is deployed");
  await page.screenshot({ path: shots + "/dashboard-deployed.png", fullPage: true });
  await page.click("[data-test=rollback]");
  await page.waitForFunction(
    (id) => [...document.querySelectorAll("[data-test=models] tbody tr")]
      .some((r) => r.dataset.model === id && r.cells[4].textContent === "deployed"),
    before);
  seen.rolledBackTo = (await deployedRow()).join();
  check(seen.rolledBackTo === before, "the rollback redeploys the model before");
  seen.deployed = { before, other };

  const tableRow = page.locator(`[data-test=tables] tr[data-table="${expected.table}"]`);
  await tableRow.click();
  await page.waitForSelector("[data-test=sample] tbody tr");
  seen.sampleRows = await page.locator("[data-test=sample] tbody tr").count();
  check(seen.sampleRows === expected.sampleRows, "sample rows of the table");
  seen.sampleHeader = await page.locator("[data-test=sample] thead").innerText();
  check(seen.sampleHeader.includes(expected.sampleColumn), "the sample's columns");
  seen.statsNote = await page.textContent("#stats-note");
  check(seen.statsNote.includes(String(expected.tableRows)), "statistics over the table's rows");
  const idStats = await page.$$eval(
    "[data-test=columns] tbody tr",
    (rows, key) => rows.map((r) => [...r.cells].map((c) => c.textContent)).find((cells) => cells[0] === key),
    expected.keyColumn,
  );
  seen.keyColumnStats = idStats;
  check(idStats[2] === "0" && idStats[3] === String(expected.tableRows), "the key column: no nulls, all distinct");
  check(idStats[4] === String(expected.keyMin) && idStats[5] === String(expected.keyMax), "the key's min and max");
  await page.screenshot({ path: shots + "/dashboard-explorer.png", fullPage: true });

  seen.pageErrors = errors;
  check(errors.length === 0, "no script errors");
  console.log(JSON.stringify(seen));
} finally {
  await browser.close();
}
