"""Host callbacks: context entries, the clock, randomness, and failures."""

import datetime

import pytest

import verno

TEAM_POLICY = """
apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata: {name: team-from-configmap}
spec:
  validationFailureAction: Enforce
  rules:
    - name: check-team
      match: {any: [{resources: {kinds: [Pod]}}]}
      context:
        - name: teams
          configMap: {name: teams, namespace: "{{ request.object.metadata.namespace }}"}
      validate:
        message: "team must be {{ teams.data.team }}"
        pattern:
          metadata:
            labels:
              team: "{{ teams.data.team }}"
"""

STAMP_POLICY = """
apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata: {name: stamp}
spec:
  rules:
    - name: stamp
      match: {any: [{resources: {kinds: [Pod]}}]}
      mutate:
        patchStrategicMerge:
          metadata:
            annotations:
              now: "{{ time_now_utc() }}"
              rnd: "{{ random('[a-z]{6}') }}"
"""


def team_pod(team: str) -> dict:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "p", "namespace": "ns1", "labels": {"team": team}},
        "spec": {"containers": [{"name": "c", "image": "nginx"}]},
    }


class ConfigMaps:
    def __init__(self):
        self.requests = []

    def context(self, request):
        self.requests.append(request)
        if "configMap" in request["entry"]:
            return {"data": {"team": "blue"}}
        return None


def test_context_serves_config_map():
    host = ConfigMaps()
    engine = verno.Engine(TEAM_POLICY, host=host)
    assert engine.validate(team_pod("blue"))["allowed"] is True
    denied = engine.validate(team_pod("red"))
    assert denied["allowed"] is False
    assert "team must be blue" in denied["results"][0]["message"]
    req = host.requests[0]
    assert req["policy"] == "team-from-configmap"
    assert req["rule"] == "check-team"
    assert req["name"] == "teams"
    # Variables in the entry are substituted before the host sees it.
    assert req["entry"]["configMap"] == {"name": "teams", "namespace": "ns1"}


def test_context_none_means_not_loaded():
    engine = verno.Engine(TEAM_POLICY)
    out = engine.validate(team_pod("blue"))
    assert out["results"][0]["result"] == "error"
    # A per-call host overrides the engine's (here: none).
    assert engine.validate(team_pod("blue"), host=ConfigMaps())["allowed"] is True


def test_host_may_be_a_dict():
    host = {"context": lambda req: {"data": {"team": "blue"}}}
    assert verno.Engine(TEAM_POLICY, host=host).validate(team_pod("blue"))["allowed"] is True


def test_now_and_random():
    host = {"now": lambda: 1_700_000_000.5, "random": lambda: 12345}
    engine = verno.Engine(STAMP_POLICY, host=host)
    ann = engine.mutate(team_pod("x"))["resource"]["metadata"]["annotations"]
    assert ann["now"] == "2023-11-14T22:13:20Z"
    assert len(ann["rnd"]) == 6 and ann["rnd"].isalpha()
    # Same random source, same string.
    assert engine.mutate(team_pod("x"))["resource"]["metadata"]["annotations"]["rnd"] == ann["rnd"]


def test_now_may_return_datetime_and_is_used_for_report_timestamps():
    when = datetime.datetime(2024, 1, 2, 3, 4, 5, tzinfo=datetime.timezone.utc)
    engine = verno.Engine(TEAM_POLICY, host={"now": lambda: when, "context": ConfigMaps().context})
    (report,) = engine.report([team_pod("red")])
    assert report["results"][0]["timestamp"] == {"seconds": int(when.timestamp()), "nanos": 0}


def test_throwing_context_callback_is_reraised_as_host_error():
    class Boom(Exception):
        pass

    def context(request):
        raise Boom("no cluster here")

    engine = verno.Engine(TEAM_POLICY, host={"context": context})
    with pytest.raises(verno.HostError) as info:
        engine.validate(team_pod("blue"))
    err = info.value
    assert err.callback == "context"
    assert isinstance(err.__cause__, Boom)
    assert "context()" in str(err) and "no cluster here" in str(err)
    assert err.kind == "host"


@pytest.mark.parametrize("bad", [lambda: "tomorrow", lambda: float("nan"), lambda: 1 / 0])
def test_bad_now(bad):
    engine = verno.Engine(STAMP_POLICY, host={"now": bad})
    with pytest.raises(verno.HostError) as info:
        engine.mutate(team_pod("x"))
    assert info.value.callback == "now"
    assert info.value.__cause__ is not None


@pytest.mark.parametrize("bad", [lambda: -1, lambda: 2**64, lambda: "7"])
def test_bad_random(bad):
    engine = verno.Engine(STAMP_POLICY, host={"now": lambda: 0, "random": bad})
    with pytest.raises(verno.HostError) as info:
        engine.mutate(team_pod("x"))
    assert info.value.callback == "random"


def test_unusable_context_value():
    loop: list = []
    loop.append(loop)
    engine = verno.Engine(TEAM_POLICY, host={"context": lambda req: {"data": loop}})
    with pytest.raises(verno.HostError) as info:
        engine.validate(team_pod("blue"))
    assert isinstance(info.value.__cause__, verno.InputError)


def test_keyboard_interrupt_propagates_unwrapped():
    def context(request):
        raise KeyboardInterrupt

    engine = verno.Engine(TEAM_POLICY, host={"context": context})
    with pytest.raises(KeyboardInterrupt):
        engine.validate(team_pod("blue"))


def test_host_engine_cycle_is_collected():
    import gc
    import weakref

    class Host:
        def now(self):
            return 0

    host = Host()
    host.engine = verno.Engine(TEAM_POLICY, host=host)
    ref = weakref.ref(host)
    del host
    gc.collect()
    assert ref() is None
