// Times validate() of the privileged nginx Pod against disallow-privileged
// through pkg/node (WebAssembly in Node), with the Pod as a JS object and as
// YAML text. Prints one JSON line. Run after `bash build.sh`:
//   node bench/bench.mjs            (N=20000; VERNO_BENCH_N to change)
import { createRequire } from "node:module";
import { readFileSync } from "node:fs";
import { parse } from "yaml";

const require = createRequire(import.meta.url);
// VERNO_PKG: another build of pkg/node to measure (e.g. a different opt-level).
const { Engine } = require(process.env.VERNO_PKG || "../pkg/node/index.js");
const example = (f) => readFileSync(new URL(`../../examples/${f}`, import.meta.url), "utf8");

const N = Number(process.env.VERNO_BENCH_N || 20000);
const engine = new Engine(example("disallow-privileged.yaml"));
const text = example("nginx-privileged.yaml");
const object = parse(text);

function time(arg) {
  for (let i = 0; i < Math.min(N, 2000); i++) engine.validate(arg);
  const start = process.hrtime.bigint();
  let blocked = 0;
  for (let i = 0; i < N; i++) blocked += engine.validate(arg).allowed ? 0 : 1;
  const ns = Number(process.hrtime.bigint() - start) / N;
  if (blocked !== N) throw new Error("the Pod should be blocked every time");
  return Math.round(ns);
}

const validate_object_ns = time(object);
const validate_text_ns = time(text);
console.log(JSON.stringify({ host: "wasm-node", validate_object_ns, validate_text_ns }));
