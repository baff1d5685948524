// The playground's Test view: a file list editor holding a `kyverno test`
// suite (the kyverno-test.yaml and the files it names), run by the wasm
// module's runTest on every edit, and the results table it returns. No
// judging happens here: this file only collects the files and renders rows.

/** The preloaded example (playground/test-example, written for the playground). */
const EXAMPLE = ["kyverno-test.yaml", "policy.yaml", "resources.yaml"];

const $ = (id) => document.getElementById(id);

/**
 * Wire the Test view. `runTest` is the package's; `describeError` formats a
 * VernoError as the Evaluate view does.
 */
export async function initTestView({ runTest, describeError }) {
  const ui = {
    files: $("test-files"), add: $("add-file"), reset: $("reset-test"), strict: $("test-strict"),
    verdict: $("test-verdict"), error: $("test-error"), reports: $("test-reports"),
    results: $("test-results").querySelector("tbody"), status: $("test-status"),
    template: $("file-template"),
  };

  /** Add one file editor (at the end) and return it. */
  function addFile(name, text) {
    const node = ui.template.content.firstElementChild.cloneNode(true);
    node.querySelector(".file-name").value = name;
    node.querySelector(".file-text").value = text;
    node.querySelector(".remove").addEventListener("click", () => {
      node.remove();
      schedule();
    });
    node.addEventListener("input", schedule);
    ui.files.append(node);
    return node;
  }

  async function loadExample() {
    const texts = await Promise.all(EXAMPLE.map(async (file) => {
      const res = await fetch(`test-example/${file}`);
      if (!res.ok) throw new Error(`test-example/${file}: HTTP ${res.status}`);
      return res.text();
    }));
    ui.files.replaceChildren();
    EXAMPLE.forEach((file, i) => addFile(file, texts[i]));
  }

  /** The editors' files as a Map, or a message saying why they are not a suite. */
  function collect() {
    const files = new Map();
    const problems = [];
    for (const node of ui.files.querySelectorAll("[data-testid=file]")) {
      const input = node.querySelector(".file-name");
      const name = input.value.trim();
      let problem = null;
      if (name === "") problem = "a file has no name";
      else if (files.has(name)) problem = `two files are named ${name}`;
      input.classList.toggle("invalid", problem !== null);
      if (problem) problems.push(problem);
      else files.set(name, node.querySelector(".file-text").value);
    }
    return { files, problem: problems[0] || null };
  }

  function showError(text) {
    ui.error.hidden = false;
    ui.error.textContent = text;
    ui.verdict.className = "verdict error";
    ui.verdict.textContent = "ERROR";
    ui.reports.replaceChildren();
    ui.results.replaceChildren();
  }

  function cell(row, text, className) {
    const td = row.insertCell();
    td.textContent = text;
    if (className) td.className = className;
    return td;
  }

  function render(reports) {
    ui.error.hidden = true;
    const passed = reports.reduce((n, r) => n + r.passed, 0);
    const failed = reports.reduce((n, r) => n + r.failed, 0);
    ui.verdict.className = `verdict ${failed ? "blocked" : "allowed"}`;
    ui.verdict.textContent = failed ? `FAIL: ${failed} failed, ${passed} passed` : `PASS: ${passed} passed`;

    ui.reports.replaceChildren();
    for (const r of reports) {
      const li = document.createElement("li");
      li.className = r.failed ? "failed" : "";
      const path = document.createElement("span");
      path.className = "path";
      path.textContent = r.path;
      li.append(path, `: ${r.passed} passed, ${r.failed} failed`);
      const problems = [];
      if (r.error) problems.push(r.error);
      for (const s of r.skipped) problems.push(`policy ${s.policy} skipped: ${s.error}`);
      for (const text of problems) {
        const p = document.createElement("span");
        p.className = "problem";
        p.textContent = text;
        li.append(p);
      }
      ui.reports.append(li);
    }

    ui.results.replaceChildren();
    const rows = reports.flatMap((r) => r.rows);
    if (!rows.length) {
      const td = cell(ui.results.insertRow(), "No result entry was checked.", "muted");
      td.colSpan = 5;
    }
    for (const r of rows) {
      const tr = ui.results.insertRow();
      tr.className = r.ok ? "ok" : "not-ok";
      tr.title = r.message;
      cell(tr, r.policy);
      cell(tr, r.rule);
      cell(tr, r.resource);
      const badge = document.createElement("span");
      badge.className = `badge ${r.ok ? "pass" : "fail"}`;
      badge.textContent = r.result;
      cell(tr, "").append(badge);
      cell(tr, r.reason, r.ok ? "" : "msg");
    }
  }

  function run() {
    try {
      const { files, problem } = collect();
      if (problem) {
        showError(`Files: ${problem}`);
        return;
      }
      const started = performance.now();
      let reports;
      try {
        reports = runTest(files, { strict: ui.strict.checked });
      } catch (e) {
        showError(describeError("Suite", e));
        return;
      }
      render(reports);
      const ms = performance.now() - started;
      ui.status.textContent = `Ran ${reports.length} test file${reports.length === 1 ? "" : "s"} in ${ms.toFixed(1)} ms.`;
    } finally {
      // Tests wait on this counter; errors count as runs too.
      document.body.dataset.testRuns = String(Number(document.body.dataset.testRuns || 0) + 1);
    }
  }

  let timer = 0;
  function schedule() {
    clearTimeout(timer);
    timer = setTimeout(run, 150);
  }

  ui.add.addEventListener("click", () => {
    const node = addFile("", "");
    node.querySelector(".file-name").focus();
    schedule();
  });
  ui.reset.addEventListener("click", async () => {
    await loadExample();
    schedule();
  });
  ui.strict.addEventListener("change", schedule);

  await loadExample();
  run();
}
