// Shared test setup: the Node package and the repo's examples.
import { createRequire } from "node:module";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const here = dirname(fileURLToPath(import.meta.url));
export const bindingDir = join(here, "..");
export const repoDir = join(bindingDir, "..");
export const verno = createRequire(import.meta.url)("../pkg/node/index.js");

export const example = (name) => readFileSync(join(repoDir, "examples", name), "utf8");
export const POLICY = example("disallow-privileged.yaml");
export const POD = example("nginx-privileged.yaml");
export const GOOD_POD = example("nginx-unprivileged.yaml");
export const REGISTRIES = example("restrict-image-registries.yaml");

/** Kyverno's exact denial text for the privileged nginx Pod. */
export const DENIAL =
  "\n\nresource Pod/default/nginx was blocked due to the following policies \n\n" +
  "disallow-privileged:\n  validate-allowPrivilegeEscalation: 'validation error: Privileged mode is not allowed. " +
  "Set allowPrivilegeEscalation to false. rule validate-allowPrivilegeEscalation failed at path " +
  "/spec/containers/0/securityContext/allowPrivilegeEscalation/'\n";

export const podObject = () => ({
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name: "nginx", namespace: "default", labels: { run: "nginx" } },
  spec: { containers: [{ name: "nginx", image: "nginx", securityContext: { privileged: true } }] },
});
