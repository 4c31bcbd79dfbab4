"""deploy/: how the services run together, in Compose, the Kubernetes manifests and the Helm values: the ports, the
replicas on one task queue, the workers' grace period against their longest activity, the probes, and the order of
start (schema, then Temporal's preparation, then the API and the workers).
"""

from __future__ import annotations

import ast
import re
from datetime import timedelta

import yaml

from tests.deploy.manifests import (
    DEFAULTS,
    ROOT,
    by_kind,
    compose,
    configmap,
    containers,
    env_of,
    helm_setup_job,
    helm_values,
    k8s_objects,
    pod_spec,
)


def longest_activity() -> timedelta:
    """The longest start_to_close (or schedule_to_close) timeout of any activity a workflow schedules."""
    longest = timedelta()
    for path in (ROOT / "workflows").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.keyword) and node.arg in {"start_to_close_timeout", "schedule_to_close_timeout"}:
                call = node.value
                assert isinstance(call, ast.Call), f"{path}: a timeout that is not timedelta(...)"
                assert isinstance(call.func, ast.Name), path
                assert call.func.id == "timedelta", path
                kwargs = {k.arg: ast.literal_eval(k.value) for k in call.keywords if k.arg}
                longest = max(longest, timedelta(**kwargs))
    assert longest > timedelta(), "no activity timeouts found in workflows/"
    return longest


def seconds(duration: str) -> int:
    """A Compose duration such as ``11m`` or ``90s``."""
    units = {"s": 1, "m": 60, "h": 3600}
    return sum(int(n) * units[u] for n, u in re.findall(r"(\d+)([smh])", duration))


# --- ports -------------------------------------------------------------------------------------------------------


def test_api_port_is_the_settings_default_everywhere() -> None:
    port = DEFAULTS.api_port
    assert port == 8000
    services = compose()["services"]
    assert int(compose()["x-yorisoi-env"]["YORISOI_API_PORT"]) == port
    assert services["api"]["ports"] == [f"127.0.0.1:{port}:{port}"]
    assert int(configmap()["YORISOI_API_PORT"]) == port
    [api] = pod_spec("yorisoi-api")["containers"]
    assert api["ports"] == [{"name": "http", "containerPort": port}]
    service = by_kind("Service", "yorisoi-api")
    assert service["spec"]["ports"] == [{"name": "http", "port": port, "targetPort": "http"}]
    assert service["spec"]["selector"] == by_kind("Deployment", "yorisoi-api")["spec"]["selector"]["matchLabels"]
    assert "ENV YORISOI_DATA_DIR" in (ROOT / "Dockerfile").read_text(encoding="utf-8")
    assert f"YORISOI_API_PORT={port}" in (ROOT / "Dockerfile").read_text(encoding="utf-8")


def test_temporal_frontend_is_7233_everywhere() -> None:
    assert DEFAULTS.temporal_address.endswith(":7233")
    services = compose()["services"]
    assert compose()["x-yorisoi-env"]["YORISOI_TEMPORAL_ADDRESS"] == "temporal:7233"
    assert "127.0.0.1:7233:7233" in services["temporal"]["ports"]
    assert services["temporal-ui"]["environment"]["TEMPORAL_ADDRESS"] == "temporal:7233"
    assert configmap()["YORISOI_TEMPORAL_ADDRESS"] == "temporal-frontend.temporal.svc.cluster.local:7233"
    for container in containers(helm_setup_job()["spec"]["template"]["spec"]):
        assert env_of(container)["TEMPORAL_ADDRESS"] == "temporal-frontend:7233"


def test_the_temporal_ui_decodes_through_yorisoi_codec_endpoint() -> None:
    services = compose()["services"]
    env = compose()["x-yorisoi-env"]
    ui_port = DEFAULTS.temporal_ui_port
    assert ui_port == 8233
    assert services["temporal-ui"]["ports"] == [f"127.0.0.1:{ui_port}:8080"]  # the UI image listens on 8080
    assert int(env["YORISOI_TEMPORAL_UI_PORT"]) == ui_port
    ui = services["temporal-ui"]["environment"]
    assert ui["TEMPORAL_CODEC_ENDPOINT"] == f"http://localhost:{DEFAULTS.api_port}/api/codec"
    assert ui["TEMPORAL_CODEC_INCLUDE_CREDENTIALS"] == "true"
    assert f"http://localhost:{ui_port}" in yaml.safe_load(env["YORISOI_CODEC_ORIGINS"])
    helm_ui = {e["name"]: e["value"] for e in helm_values()["web"]["additionalEnv"]}
    assert helm_ui["TEMPORAL_CODEC_ENDPOINT"].startswith("https://")
    assert helm_ui["TEMPORAL_CODEC_ENDPOINT"].endswith("/api/codec")
    assert helm_ui["TEMPORAL_CODEC_INCLUDE_CREDENTIALS"] == "true"
    origins = yaml.safe_load(configmap()["YORISOI_CODEC_ORIGINS"])
    assert origins
    assert all(o.startswith("https://") for o in origins)
    assert configmap()["YORISOI_SECURE_COOKIES"] == "true"


# --- scale and lifecycle -----------------------------------------------------------------------------------------


def test_several_workers_on_one_task_queue() -> None:
    assert by_kind("Deployment", "yorisoi-worker")["spec"]["replicas"] >= 2
    assert by_kind("Deployment", "yorisoi-api")["spec"]["replicas"] >= 2
    assert compose()["services"]["worker"]["deploy"]["replicas"] >= 2
    assert compose()["x-yorisoi-env"]["YORISOI_TASK_QUEUE"] == configmap()["YORISOI_TASK_QUEUE"] == DEFAULTS.task_queue


def test_a_stopped_worker_outlives_its_longest_activity() -> None:
    longest = longest_activity()
    assert pod_spec("yorisoi-worker")["terminationGracePeriodSeconds"] > longest.total_seconds()
    assert seconds(compose()["services"]["worker"]["stop_grace_period"]) > longest.total_seconds()


def test_api_probes_ask_api_health() -> None:
    [api] = pod_spec("yorisoi-api")["containers"]
    for probe in ("readinessProbe", "livenessProbe"):
        assert api[probe]["httpGet"] == {"path": "/api/health", "port": "http"}, probe
    assert api["livenessProbe"]["failureThreshold"] * api["livenessProbe"]["periodSeconds"] >= 120
    test = compose()["services"]["api"]["healthcheck"]["test"]
    assert f"http://127.0.0.1:{DEFAULTS.api_port}/api/health" in " ".join(test)


def test_the_schema_step_runs_before_the_api_and_the_workers() -> None:
    services = compose()["services"]
    assert services["migrate"]["command"] == ["migrate"]
    assert services["migrate"]["depends_on"]["yorisoi-db"]["condition"] == "service_healthy"
    for name in ("worker", "api"):
        assert services[name]["depends_on"]["migrate"] == {"condition": "service_completed_successfully"}, name
    [job] = [o for o in k8s_objects() if o["kind"] == "Job"]
    [migrate] = job["spec"]["template"]["spec"]["containers"]
    assert migrate["args"] == ["migrate"]
    for name in ("yorisoi-worker", "yorisoi-api"):
        first = pod_spec(name)["initContainers"][0]
        assert first["args"] == ["migrate"], name


def test_temporal_is_prepared_before_the_workers() -> None:
    services = compose()["services"]
    assert services["temporal-setup"]["command"][0] == "temporal-setup"
    assert services["temporal-setup"]["depends_on"]["temporal"]["condition"] == "service_healthy"
    assert services["temporal"]["depends_on"]["temporal-schema"]["condition"] == "service_completed_successfully"
    for name in ("worker", "api"):
        assert services[name]["depends_on"]["temporal-setup"] == {"condition": "service_completed_successfully"}
    check = [c for c in pod_spec("yorisoi-worker")["initContainers"] if c["args"][0] == "temporal-setup"]
    assert [c["args"][:2] for c in check] == [["temporal-setup", "--check"]]
