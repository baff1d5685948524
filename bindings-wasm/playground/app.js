// The verno playground: edit a policy and a resource, see Kyverno's verdict
// (Evaluate view), or run a `kyverno test` suite (Test view, test-view.js).
// Everything runs in the page through pkg/web (WebAssembly); this file only
// wires the editors to the engine and renders its JSON results.
import initVerno, { Engine, runTest, toYaml } from "./pkg/index.js";
import { initTestView } from "./test-view.js";

const EXAMPLES = {
  privileged: { policy: "disallow-privileged.yaml", resource: "nginx-privileged.yaml" },
  registries: { policy: "restrict-image-registries.yaml", resource: "nginx-unprivileged.yaml" },
  vpol: { policy: "disallow-latest-tag.yaml", resource: "nginx-unprivileged.yaml" },
  pss: { policy: "pss-baseline.yaml", resource: "pss-privileged-pod.yaml" },
  images: { policy: "verify-images-policy.yaml", resource: "etcd-pod.yaml", imageData: "verify-images-data.yaml" },
};

const $ = (id) => document.getElementById(id);
const ui = {
  example: $("example"), operation: $("operation"), policy: $("policy"), resource: $("resource"),
  imageData: $("image-data"),
  verdict: $("verdict"), error: $("error"), messageBox: $("message-box"), message: $("message"),
  results: $("results").querySelector("tbody"), patched: $("patched"), patch: $("patch"),
  report: $("report"), status: $("status"), copy: $("copy-link"), share: $("share-url"),
};

// ---- views -------------------------------------------------------------

const VIEWS = {
  evaluate: { tab: $("view-evaluate"), panels: [$("evaluate-view"), $("evaluate-controls")] },
  test: { tab: $("view-test"), panels: [$("test-view")] },
};

function showView(name) {
  for (const [key, view] of Object.entries(VIEWS)) {
    view.tab.setAttribute("aria-selected", String(key === name));
    for (const panel of view.panels) panel.hidden = key !== name;
  }
}

// ---- shareable state in the URL fragment -------------------------------
// #s=z<base64url(deflate-raw(JSON))>, or #s=j<base64url(JSON)> where the
// browser has no CompressionStream.

function toBase64Url(bytes) {
  let bin = "";
  for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function fromBase64Url(text) {
  const bin = atob(text.replace(/-/g, "+").replace(/_/g, "/"));
  return Uint8Array.from(bin, (c) => c.charCodeAt(0));
}

async function pipe(bytes, transform) {
  const stream = new Blob([bytes]).stream().pipeThrough(transform);
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

async function encodeState(state) {
  const json = new TextEncoder().encode(JSON.stringify(state));
  if (typeof CompressionStream === "function") {
    return "z" + toBase64Url(await pipe(json, new CompressionStream("deflate-raw")));
  }
  return "j" + toBase64Url(json);
}

async function decodeState(fragment) {
  const m = /^#s=([zj])([A-Za-z0-9_-]*)$/.exec(fragment);
  if (!m) return null;
  let bytes = fromBase64Url(m[2]);
  if (m[1] === "z") bytes = await pipe(bytes, new DecompressionStream("deflate-raw"));
  const state = JSON.parse(new TextDecoder().decode(bytes));
  if (typeof state.policy !== "string" || typeof state.resource !== "string") return null;
  return state;
}

function currentState() {
  return {
    policy: ui.policy.value, resource: ui.resource.value, operation: ui.operation.value,
    imageData: ui.imageData.value,
  };
}

async function updateLink() {
  const url = new URL(location.href);
  url.hash = "s=" + (await encodeState(currentState()));
  history.replaceState(null, "", url);
  ui.share.value = url.href;
}

// ---- evaluation --------------------------------------------------------

let cached = { text: null, engine: null };

/** Compile only when the policy text changed. */
function engineFor(text) {
  if (cached.text !== text) {
    const engine = new Engine(text); // throws on a bad policy: keep the old one cached
    if (cached.engine) cached.engine.free();
    cached = { text, engine };
  }
  return cached.engine;
}

function describeError(where, e) {
  const loc = [e.policy && `policy ${e.policy}`, e.rule && `rule ${e.rule}`, e.field && `field ${e.field}`,
    e.line && `line ${e.line}${e.column ? `:${e.column}` : ""}`].filter(Boolean).join(", ");
  return `${where}: ${e.name || "Error"}: ${e.message}${loc ? `\n(${loc})` : ""}`;
}

function cell(row, text, className) {
  const td = row.insertCell();
  td.textContent = text;
  if (className) td.className = className;
  return td;
}

function renderResults(rows) {
  ui.results.replaceChildren();
  if (!rows.length) {
    const tr = ui.results.insertRow();
    const td = cell(tr, "No rule matched this resource.", "muted");
    td.colSpan = 5;
  }
  for (const r of rows) {
    const tr = ui.results.insertRow();
    cell(tr, r.policy);
    cell(tr, r.rule);
    const badge = document.createElement("span");
    badge.className = `badge ${r.result}`;
    badge.textContent = r.result + (r.result === "fail" && !r.enforced && r.type === "validate" ? " (audit)" : "");
    cell(tr, "").append(badge);
    cell(tr, r.message, "msg");
    cell(tr, r.path, "path");
  }
}

function showError(text) {
  ui.error.hidden = false;
  ui.error.textContent = text;
  ui.verdict.className = "verdict error";
  ui.verdict.textContent = "ERROR";
}

function render(out, reports) {
  ui.error.hidden = true;
  const failed = out.results.filter((r) => r.result === "fail" || r.result === "error");
  ui.verdict.className = `verdict ${out.allowed ? "allowed" : "blocked"}`;
  ui.verdict.textContent = out.allowed
    ? `ALLOWED${failed.length ? ` (${failed.length} audit failure${failed.length > 1 ? "s" : ""})` : ""}`
    : "BLOCKED";
  ui.messageBox.hidden = !out.message;
  // Kyverno's text starts with two newlines; show it without them, keep it whole in data-raw.
  ui.message.textContent = (out.message || "").replace(/^\n+/, "");
  ui.message.dataset.raw = out.message || "";
  renderResults(out.results);
  ui.patched.textContent = out.patched ? toYaml(out.resource) : "No mutation changed the resource.";
  ui.patched.classList.toggle("muted", !out.patched);
  ui.patch.textContent = JSON.stringify(out.patch, null, 2);
  ui.report.textContent = reports instanceof Error
    ? describeError("Report", reports)
    : reports.map((r) => toYaml(r)).join("---\n") || "No policy applies to this resource.";
}

function evaluate() {
  try {
    evaluateNow();
  } finally {
    // Tests wait on this counter; errors count as evaluations too.
    document.body.dataset.evaluations = String(Number(document.body.dataset.evaluations || 0) + 1);
  }
}

function evaluateNow() {
  const { policy, resource, operation, imageData } = currentState();
  // The page is the image verifier: verifyImages rules read the data pane.
  const host = imageData.trim() ? { imageData } : undefined;
  const started = performance.now();
  let engine;
  try {
    engine = engineFor(policy);
  } catch (e) {
    showError(describeError("Policy", e));
    return;
  }
  let out;
  try {
    out = engine.evaluate(resource, { operation, host });
  } catch (e) {
    showError(describeError(e.argument === "host.imageData" ? "Image data" : "Resource", e));
    return;
  }
  let reports;
  try {
    reports = engine.report(resource, { host });
  } catch (e) {
    reports = e;
  }
  const ms = performance.now() - started;
  render(out, reports);
  ui.status.textContent = `Evaluated in ${ms.toFixed(1)} ms (${operation}).`;
}

let timer = 0;
function schedule() {
  clearTimeout(timer);
  timer = setTimeout(() => {
    evaluate();
    updateLink();
  }, 150);
}

// ---- wiring ------------------------------------------------------------

async function loadExample(name) {
  const ex = EXAMPLES[name];
  const get = async (file) => {
    const res = await fetch(`examples/${file}`);
    if (!res.ok) throw new Error(`examples/${file}: HTTP ${res.status}`);
    return res.text();
  };
  const [policy, resource, imageData] = await Promise.all([
    get(ex.policy), get(ex.resource), ex.imageData ? get(ex.imageData) : "",
  ]);
  ui.policy.value = policy;
  ui.resource.value = resource;
  ui.imageData.value = imageData;
  ui.operation.value = "CREATE";
}

async function copyLink() {
  await updateLink();
  ui.share.select();
  let ok = false;
  try {
    await navigator.clipboard.writeText(ui.share.value);
    ok = true;
  } catch {
    ok = document.execCommand("copy");
  }
  ui.copy.textContent = ok ? "Copied!" : "Select and copy the link";
  setTimeout(() => (ui.copy.textContent = "Copy link"), 1500);
}

async function main() {
  await initVerno();
  let state = null;
  try {
    state = await decodeState(location.hash);
  } catch (e) {
    ui.status.textContent = `Could not read the link's state: ${e.message}`;
  }
  if (state) {
    ui.policy.value = state.policy;
    ui.resource.value = state.resource;
    ui.operation.value = state.operation || "CREATE";
    ui.imageData.value = typeof state.imageData === "string" ? state.imageData : "";
    ui.example.value = "";
  } else {
    await loadExample(ui.example.value);
  }
  for (const el of [ui.policy, ui.resource, ui.imageData]) el.addEventListener("input", schedule);
  ui.operation.addEventListener("change", schedule);
  ui.example.addEventListener("change", async () => {
    await loadExample(ui.example.value);
    schedule();
  });
  ui.copy.addEventListener("click", copyLink);
  for (const [name, view] of Object.entries(VIEWS)) view.tab.addEventListener("click", () => showView(name));
  evaluate();
  await updateLink();
  await initTestView({ runTest, describeError });
}

main().catch((e) => showError(`Could not start: ${e.message}`));
