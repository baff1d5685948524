"""The engine is shared between threads, and evaluation releases the GIL."""

import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import verno
from conftest import DENIAL, example


def test_many_threads_validate_at_once(engine, pod, pod_text):
    barrier = threading.Barrier(8)

    def work(i):
        barrier.wait()
        outs = []
        for _ in range(50):
            outs.append(engine.validate(pod if i % 2 else pod_text))
        return outs

    with ThreadPoolExecutor(8) as pool:
        results = [o for outs in pool.map(work, range(8)) for o in outs]
    assert len(results) == 400
    assert all(r["message"] == DENIAL for r in results)


def test_host_callbacks_from_several_threads():
    policy = example("disallow-privileged.yaml")
    seen = set()
    lock = threading.Lock()

    def now():
        with lock:
            seen.add(threading.get_ident())
        return 1_700_000_000

    engine = verno.Engine(policy, host={"now": now})
    pod = example("nginx-privileged.yaml")

    with ThreadPoolExecutor(4) as pool:
        reports = list(pool.map(lambda _: engine.report([pod]), range(40)))
    assert all(r[0]["results"][0]["timestamp"]["seconds"] == 1_700_000_000 for r in reports)
    assert len(seen) >= 1


def test_evaluation_releases_the_gil():
    # With a huge switch interval, the main thread never hands the GIL over by
    # itself: the counter thread can only run while the main thread waits
    # without the GIL, i.e. inside the engine. Deterministic: without the
    # release the counter never moves and the loop runs into its deadline.
    rules = "\n".join(
        f"""    - name: r{i}
      match: {{any: [{{resources: {{kinds: [Pod]}}}}]}}
      validate:
        message: m
        pattern: {{spec: {{containers: [{{name: "?*", image: "!*:latest"}}]}}}}"""
        for i in range(200)
    )
    engine = verno.Engine(
        "apiVersion: kyverno.io/v1\nkind: ClusterPolicy\nmetadata: {name: many}\n"
        f"spec:\n  rules:\n{rules}\n"
    )
    pod = {"kind": "Pod", "metadata": {"name": "p"}, "spec": {"containers": [{"name": "c", "image": "x:1"}]}}
    counter = [0]
    stop = threading.Event()

    def count():
        while not stop.is_set():
            counter[0] += 1
            time.sleep(0)  # releases the GIL, so the main thread gets it back

    old = sys.getswitchinterval()
    t = threading.Thread(target=count)
    t.start()
    try:
        sys.setswitchinterval(1000.0)
        moved = False
        deadline = time.monotonic() + 10
        while not moved and time.monotonic() < deadline:
            before = counter[0]
            for _ in range(20):
                engine.validate(pod)
            moved = counter[0] != before
    finally:
        sys.setswitchinterval(old)
        stop.set()
        t.join()
    assert moved, "another thread never ran while the engine evaluated"
