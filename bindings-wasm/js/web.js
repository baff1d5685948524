// Entry of pkg/web: the wasm-bindgen module plus verno's error classes.
import init, { initSync as initSyncRaw, Engine, toYaml, runTest, __setErrorFactory } from "./verno_wasm.js";
import {
  VernoError, PolicyError, YamlError, InvalidPolicyError, UnsupportedError, InputError, HostError, makeError,
} from "./errors.js";

export { Engine, toYaml, runTest, VernoError, PolicyError, YamlError, InvalidPolicyError, UnsupportedError, InputError, HostError };

/**
 * Load the wasm module; call (and await) once before using Engine.
 * `input` is what wasm-bindgen's init takes ({module_or_path}); by default
 * verno_wasm_bg.wasm is fetched from next to this file.
 */
export default async function initVerno(input) {
  const exports = await init(input);
  __setErrorFactory(makeError);
  return exports;
}

/** Synchronous variant: `initSync({module})` with compiled or raw wasm bytes. */
export function initSync(input) {
  const exports = initSyncRaw(input);
  __setErrorFactory(makeError);
  return exports;
}
