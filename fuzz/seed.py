#!/usr/bin/env python3
"""Seed each fuzz target's corpus (fuzz/corpus/<target>/) from the shared
upstream suites (../../shared/corpus/kyverno-policies), read in place: policy
files, JMESPath expressions, patterns, strategic-merge and JSON 6902 patches,
each paired with resources of the same suite, and the CEL expressions
(`expression`, `messageExpression`, `valueExpression`) of the `*-cel` and
`*-vpol` suites. The seeds are generated, never
committed (fuzz/.gitignore)."""
import hashlib, json, os, re, sys
import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "..", "..", "shared", "corpus", "kyverno-policies")
OUT = os.path.join(HERE, "corpus")
POLICY_KINDS = {"ClusterPolicy", "Policy"}
CEL_POLICY_KINDS = {"ValidatingPolicy", "NamespacedValidatingPolicy", "MutatingPolicy",
                    "GeneratingPolicy", "DeletingPolicy", "ImageValidatingPolicy",
                    "ValidatingAdmissionPolicy", "ValidatingAdmissionPolicyBinding"}
SKIP_KINDS = POLICY_KINDS | CEL_POLICY_KINDS | {"Test", "Values", "PolicyException", "UserInfo"}
CEL_KEYS = {"expression", "messageExpression", "valueExpression"}
MAX_RESOURCES = 3  # resources paired with each patch or pattern
counts = {}


def put(target, data):
    d = os.path.join(OUT, target)
    os.makedirs(d, exist_ok=True)
    b = data.encode() if isinstance(data, str) else data
    if len(b) > 64 * 1024:
        return
    name = hashlib.sha1(b).hexdigest()
    p = os.path.join(d, name)
    if not os.path.exists(p):
        with open(p, "wb") as f:
            f.write(b)
        counts[target] = counts.get(target, 0) + 1


def docs(path):
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
        return text, [d for d in yaml.safe_load_all(text) if isinstance(d, dict)]
    except Exception:
        return None, []


def walk_rules(policy):
    spec = policy.get("spec") or {}
    for r in spec.get("rules") or []:
        if isinstance(r, dict):
            yield r


def expressions(v):
    if isinstance(v, str):
        for m in re.finditer(r"\{\{-?(.*?)-?\}\}", v, re.S):
            yield m.group(1).strip()
    elif isinstance(v, dict):
        for k, x in v.items():
            if k == "jmesPath" and isinstance(x, str):
                yield x
            yield from expressions(x)
    elif isinstance(v, list):
        for x in v:
            yield from expressions(x)


def cel_expressions(v):
    if isinstance(v, dict):
        for k, x in v.items():
            if k in CEL_KEYS and isinstance(x, str):
                yield x
            else:
                yield from cel_expressions(x)
    elif isinstance(v, list):
        for x in v:
            yield from cel_expressions(x)


def is_cel_suite(dirpath):
    rel = os.path.relpath(dirpath, ROOT)
    return any(part.endswith(("-cel", "-vpol")) for part in rel.split(os.sep))


for dirpath, dirnames, filenames in os.walk(ROOT):
    # A suite keeps its test resources in .kyverno-test/ beside its policy.
    if os.path.basename(dirpath) == ".kyverno-test":
        continue
    files = [os.path.join(dirpath, f) for f in filenames]
    if ".kyverno-test" in dirnames:
        t = os.path.join(dirpath, ".kyverno-test")
        files += [os.path.join(t, f) for f in os.listdir(t)]
    policies, resources = [], []
    for path in files:
        if not path.endswith((".yaml", ".yml", ".json")) or not os.path.isfile(path):
            continue
        text, ds = docs(path)
        if any(d.get("kind") in POLICY_KINDS for d in ds):
            put("policy_load", text)
        if is_cel_suite(dirpath):
            for d in ds:
                if d.get("kind") in POLICY_KINDS | CEL_POLICY_KINDS:
                    for e in cel_expressions(d):
                        put("cel_eval", e)
        for d in ds:
            (policies if d.get("kind") in POLICY_KINDS else resources if d.get("kind") not in SKIP_KINDS else []).append(d)
    res = [json.dumps(r, default=str) for r in resources[:MAX_RESOURCES]] or ['{"kind":"Pod","metadata":{"name":"x"}}']
    for p in policies:
        for e in expressions(p):
            put("jmespath_parse", e)
        for r in walk_rules(p):
            v = r.get("validate") or {}
            m = r.get("mutate") or {}
            pats = [v["pattern"]] if "pattern" in v else []
            pats += [x for x in v.get("anyPattern") or []]
            for pat in pats:
                for rs in res:
                    put("pattern_walk", json.dumps(pat, default=str) + "\0" + rs)
            smp = [m["patchStrategicMerge"]] if "patchStrategicMerge" in m else []
            smp += [f["patchStrategicMerge"] for f in m.get("foreach") or [] if isinstance(f, dict) and "patchStrategicMerge" in f]
            for patch in smp:
                for rs in res:
                    put("strategic_merge", rs + "\0" + json.dumps(patch, default=str))
            j6902 = [m["patchesJson6902"]] if "patchesJson6902" in m else []
            j6902 += [f["patchesJson6902"] for f in m.get("foreach") or [] if isinstance(f, dict) and "patchesJson6902" in f]
            for ops in j6902:
                if isinstance(ops, str):
                    for rs in res:
                        put("json6902", rs + "\0" + ops)

for t, n in sorted(counts.items()):
    print(f"{t}: {n} seeds")
