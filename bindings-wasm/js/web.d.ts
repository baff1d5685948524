export * from "./verno_wasm.js";
export * from "./errors.js";
import type { InitInput, InitOutput, SyncInitInput } from "./verno_wasm.js";
/** Load the wasm module; await it once before using Engine. */
export default function initVerno(input?: { module_or_path: InitInput | Promise<InitInput> }): Promise<InitOutput>;
/** Synchronous variant, from compiled or raw wasm bytes. */
export function initSync(input: { module: SyncInitInput }): InitOutput;
