export * from "./verno_wasm";
export * from "./errors";
