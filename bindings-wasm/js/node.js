"use strict";
// Entry of pkg/node: the wasm-bindgen module (loaded synchronously) plus
// verno's error classes.
const raw = require("./verno_wasm.js");
const errors = require("./errors.js");

raw.__setErrorFactory(errors.makeError);

module.exports = {
  Engine: raw.Engine,
  toYaml: raw.toYaml,
  runTest: raw.runTest,
  VernoError: errors.VernoError,
  PolicyError: errors.PolicyError,
  YamlError: errors.YamlError,
  InvalidPolicyError: errors.InvalidPolicyError,
  UnsupportedError: errors.UnsupportedError,
  InputError: errors.InputError,
  HostError: errors.HostError,
};
