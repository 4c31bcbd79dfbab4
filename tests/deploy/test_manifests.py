"""deploy/: the Compose file, the Kubernetes manifests, the Helm values and the Dockerfile agree with the code.

Pure parsing, no Docker and no cluster: every YAML document under deploy/ is read, and what each one says about the
image, the ports, the settings, the secrets, the replicas, the probes, the search attributes, the retention and the
order of start is checked against settings.py, workflows/ and each other.
"""

from __future__ import annotations

import ast
import os
import re
import tomllib
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

from deploy.temporal_setup import required_search_attributes, type_name
from settings import Settings

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
K8S = DEPLOY / "k8s"
BASE = K8S / "base"
CLOUD = K8S / "temporal-cloud"
HELM = DEPLOY / "helm"
COMPOSE = DEPLOY / "compose.yaml"
VERSION = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]
DEFAULTS = Settings.model_construct()
"""The defaults of settings.py, whatever the environment of the test run."""
SETTINGS = {f"YORISOI_{name.upper()}" for name in Settings.model_fields}
PENDING_CLOUD_SETTINGS = {
    "YORISOI_TEMPORAL_TLS",
    "YORISOI_TEMPORAL_TLS_CLIENT_CERT",
    "YORISOI_TEMPORAL_TLS_CLIENT_KEY",
    "YORISOI_TEMPORAL_TLS_SERVER_CA",
    "YORISOI_TEMPORAL_TLS_SERVER_NAME",
    "YORISOI_TEMPORAL_API_KEY",
}
"""Settings the Temporal Cloud overlay expects but settings.py does not have yet (deploy/README.md)."""
REQUIRED_SECRETS = {"YORISOI_SECRET_KEY", "YORISOI_MASTER_KEY", "YORISOI_DATABASE_URL", "YORISOI_SMTP_PASSWORD"}
SECRET_NAMES = REQUIRED_SECRETS | {"YORISOI_TEMPORAL_API_KEY"}
YORISOI_VAR = re.compile(r"\bYORISOI_[A-Z0-9_]+\b")


def load_all(path: Path) -> list[dict[str, Any]]:
    docs = [doc for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")) if doc is not None]
    assert all(isinstance(doc, dict) for doc in docs), path
    return docs


def manifests() -> list[Path]:
    return sorted(p for p in DEPLOY.rglob("*") if p.suffix in {".yaml", ".yml"})


def k8s_objects(root: Path = BASE) -> list[dict[str, Any]]:
    kustomization = load_all(root / "kustomization.yaml")[0]
    return [doc for resource in kustomization["resources"] for doc in load_all(root / resource)]


def by_kind(kind: str, name: str) -> dict[str, Any]:
    [found] = [o for o in k8s_objects() if o["kind"] == kind and o["metadata"]["name"] == name]
    return found


def pod_spec(name: str) -> dict[str, Any]:
    spec: dict[str, Any] = by_kind("Deployment", name)["spec"]["template"]["spec"]
    return spec


def containers(spec: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield from spec.get("initContainers", [])
    yield from spec["containers"]


def compose() -> dict[str, Any]:
    return load_all(COMPOSE)[0]


def helm_values() -> dict[str, Any]:
    return load_all(HELM / "values.yaml")[0]


def configmap() -> dict[str, str]:
    data: dict[str, str] = by_kind("ConfigMap", "yorisoi-config")["data"]
    return data


def helm_setup_job() -> dict[str, Any]:
    jobs: list[dict[str, Any]] = [o for o in helm_values()["extraObjects"] if o["kind"] == "Job"]
    [job] = jobs
    return job


def env_of(container: dict[str, Any]) -> dict[str, str]:
    return {e["name"]: e.get("value", "") for e in container.get("env", [])}


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


# --- every file parses -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", manifests(), ids=lambda p: str(p.relative_to(DEPLOY)))
def test_every_manifest_parses(path: Path) -> None:
    assert load_all(path), f"{path} holds no document"


def test_every_kustomization_names_files_that_exist() -> None:
    for kustomization in K8S.rglob("kustomization.yaml"):
        doc = load_all(kustomization)[0]
        for entry in [*doc.get("resources", []), *(p["path"] for p in doc.get("patches", []))]:
            assert (kustomization.parent / entry).exists(), f"{kustomization}: {entry}"


# --- one image ---------------------------------------------------------------------------------------------------


def yorisoi_images() -> list[tuple[str, str]]:
    found = [(f"compose {name}", s["image"]) for name, s in compose()["services"].items() if "yorisoi" in s["image"]]
    for obj in k8s_objects():
        template = obj.get("spec", {}).get("template", {}).get("spec")
        if template:
            found += [(f"k8s {obj['metadata']['name']}/{c['name']}", c["image"]) for c in containers(template)]
    return found


def test_one_yorisoi_image_and_tag_everywhere() -> None:
    images = yorisoi_images()
    assert len(images) >= 8
    assert {image for _, image in images} == {f"yorisoi:{VERSION}"}, images
    [override] = load_all(BASE / "kustomization.yaml")[0]["images"]
    assert override["name"] == "yorisoi"
    assert override["newTag"] == VERSION
    for name, service in compose()["services"].items():
        if "yorisoi" in service["image"]:
            assert service["build"] == {"context": "..", "dockerfile": "Dockerfile"}, name


def test_temporal_images_match_between_compose_and_helm() -> None:
    services = compose()["services"]
    values = helm_values()
    server = f"{values['server']['image']['repository']}:{values['server']['image']['tag']}"
    tools = f"{values['admintools']['image']['repository']}:{values['admintools']['image']['tag']}"
    ui = f"{values['web']['image']['repository']}:{values['web']['image']['tag']}"
    assert services["temporal"]["image"] == server
    assert services["temporal-schema"]["image"] == tools
    assert services["temporal-ui"]["image"] == ui
    assert server.rsplit(":", 1)[1] == tools.rsplit(":", 1)[1], "server and admin-tools of one version"
    job = helm_setup_job()["spec"]["template"]["spec"]
    assert {c["image"] for c in containers(job)} == {tools}


def test_dockerfile_builds_the_project_without_dev_extras_and_runs_as_non_root() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    assert re.search(r"^FROM python:3\.11-slim\s*$", dockerfile, re.M)
    assert "pip install --no-deps ." in dockerfile
    assert "[dev]" not in dockerfile
    [user] = re.findall(r"^USER (\S+)", dockerfile, re.M)
    assert user not in {"0", "root"}
    [entrypoint] = re.findall(r'^ENTRYPOINT \["([^"]+)"\]', dockerfile, re.M)
    assert (ROOT / entrypoint.removeprefix("/app/")).exists()
    ignored = (ROOT / ".dockerignore").read_text(encoding="utf-8").split()
    assert {".venv", ".data", ".git", "tests"} <= set(ignored)


def entrypoint_commands() -> dict[str, str]:
    script = (DEPLOY / "docker-entrypoint.sh").read_text(encoding="utf-8")
    return dict(re.findall(r"^\s+([a-z-]+)\) exec (.+?) ;;$", script, re.M))


def test_the_entrypoint_starts_what_worker_py_and_api_py_start_and_the_migration() -> None:
    commands = entrypoint_commands()
    assert commands["api"].startswith("python /app/api.py")
    assert commands["worker"].startswith("python /app/worker.py")
    assert commands["migrate"].startswith("python -m store.migrate upgrade")
    assert commands["temporal-setup"].startswith("python -m deploy.temporal_setup")
    for script in ("api.py", "worker.py"):
        assert 'if __name__ == "__main__":' in (ROOT / script).read_text(encoding="utf-8")


def test_every_container_runs_a_command_of_the_entrypoint() -> None:
    commands = entrypoint_commands()
    for name, service in compose()["services"].items():
        if "yorisoi" in service["image"]:
            assert service["command"][0] in commands, name
    for obj in k8s_objects():
        template = obj.get("spec", {}).get("template", {}).get("spec")
        for container in containers(template) if template else []:
            assert "command" not in container, "keep the image's entrypoint"
            assert container["args"][0] in commands, container["name"]


# --- settings ----------------------------------------------------------------------------------------------------


def referenced_settings(path: Path) -> set[str]:
    return set(YORISOI_VAR.findall(path.read_text(encoding="utf-8")))


def test_every_yorisoi_variable_is_a_setting() -> None:
    files = [COMPOSE, DEPLOY / "compose.env.example", ROOT / "Dockerfile", *K8S.rglob("*.yaml")]
    for path in files:
        unknown = referenced_settings(path) - SETTINGS
        if path.is_relative_to(CLOUD):
            unknown -= PENDING_CLOUD_SETTINGS
        assert not unknown, f"{path.relative_to(ROOT)}: not fields of settings.Settings: {sorted(unknown)}"


@pytest.mark.parametrize("source", ["configmap", "compose"])
def test_configmap_and_compose_values_are_valid_settings(source: str, monkeypatch: pytest.MonkeyPatch) -> None:
    env = configmap() if source == "configmap" else compose()["x-yorisoi-env"]
    for name in [n for n in os.environ if n.startswith("YORISOI_")]:
        monkeypatch.delenv(name)
    for name, value in env.items():
        if "${" not in str(value):  # Compose's interpolations come from deploy/.env
            monkeypatch.setenv(name, str(value))
    parsed = Settings()
    assert parsed.api_port == DEFAULTS.api_port
    assert parsed.api_host == "0.0.0.0"
    assert parsed.temporal_retention_hours == DEFAULTS.temporal_retention_hours
    assert parsed.codec_origins, "the Temporal UI's origin"
    assert not parsed.demo


def test_secrets_are_in_the_secret_never_in_the_configmap() -> None:
    [secret] = load_all(K8S / "secret.example.yaml")
    assert secret["kind"] == "Secret"
    assert set(secret["stringData"]) == REQUIRED_SECRETS
    assert not SECRET_NAMES & set(configmap())
    kustomization = load_all(BASE / "kustomization.yaml")[0]
    assert "secret.example.yaml" not in kustomization["resources"], "an example is never applied"
    for name in ("yorisoi-worker", "yorisoi-api"):
        for container in containers(pod_spec(name)):
            refs = {
                ("secret" if "secretRef" in e else "configmap"): (e.get("secretRef") or e["configMapRef"])["name"]
                for e in container["envFrom"]
            }
            assert refs == {"secret": secret["metadata"]["name"], "configmap": "yorisoi-config"}, container["name"]


def test_compose_requires_every_secret() -> None:
    env = compose()["x-yorisoi-env"]
    for name in ("YORISOI_SECRET_KEY", "YORISOI_MASTER_KEY"):
        assert env[name].startswith(f"${{{name}:?"), f"{name} must be required, never defaulted"
    assert ":?" in env["YORISOI_DATABASE_URL"]
    example = (DEPLOY / "compose.env.example").read_text(encoding="utf-8")
    for name in ("YORISOI_SECRET_KEY", "YORISOI_MASTER_KEY", "READ_MODEL_DB_PASSWORD", "TEMPORAL_DB_PASSWORD"):
        assert re.search(rf"^{name}=$", example, re.M), f"{name}: empty in the example"


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


# --- the Temporal namespace --------------------------------------------------------------------------------------


def helm_search_attributes() -> dict[str, str]:
    [container] = helm_setup_job()["spec"]["template"]["spec"]["containers"]
    assert container["command"] == ["temporal", "operator", "search-attribute", "create"]
    args = container["args"]
    pairs = [args[i : i + 4] for i in range(0, len(args), 4)]
    assert all(p[0] == "--name" and p[2] == "--type" for p in pairs), "one --type after each --name"
    return {p[1]: p[3] for p in pairs}


def test_helm_registers_exactly_the_search_attributes_of_the_workflows() -> None:
    wanted = {name: type_name(t) for name, t in required_search_attributes().items()}
    assert helm_search_attributes() == wanted
    comment = (HELM / "values.yaml").read_text(encoding="utf-8")
    for name, kind in wanted.items():
        assert re.search(rf"^#\s+{name}\s+{kind}$", comment, re.M), f"the listing in values.yaml misses {name}"


def test_one_namespace_with_a_retention_long_enough_for_case_histories() -> None:
    retention = f"{DEFAULTS.temporal_retention_hours}h"
    values = helm_values()
    [namespace] = values["server"]["config"]["namespaces"]["namespace"]
    assert values["server"]["config"]["namespaces"]["create"] is True
    assert namespace == {"name": "yorisoi", "retention": retention}
    job = helm_setup_job()
    assert job["metadata"]["annotations"]["helm.sh/hook"] == "post-install,post-upgrade"
    [raise_retention] = job["spec"]["template"]["spec"]["initContainers"]
    assert raise_retention["args"] == ["--retention", retention]
    for container in containers(job["spec"]["template"]["spec"]):
        assert env_of(container)["TEMPORAL_NAMESPACE"] == namespace["name"]
    assert compose()["x-yorisoi-env"]["YORISOI_TEMPORAL_NAMESPACE"] == namespace["name"]
    assert configmap()["YORISOI_TEMPORAL_NAMESPACE"] == namespace["name"]
    assert compose()["services"]["temporal-ui"]["environment"]["TEMPORAL_DEFAULT_NAMESPACE"] == namespace["name"]
    assert int(configmap()["YORISOI_TEMPORAL_RETENTION_HOURS"]) == DEFAULTS.temporal_retention_hours
    assert int(compose()["x-yorisoi-env"]["YORISOI_TEMPORAL_RETENTION_HOURS"]) == DEFAULTS.temporal_retention_hours


def test_helm_keeps_histories_in_postgresql() -> None:
    persistence = helm_values()["server"]["config"]["persistence"]
    stores = persistence["datastores"]
    assert {stores[s]["sql"]["pluginName"] for s in ("default", "visibility")} == {"postgres12"}
    assert stores["default"]["sql"]["databaseName"] != stores["visibility"]["sql"]["databaseName"]
    assert all("password" not in stores[s]["sql"] for s in stores), "passwords come from existingSecret"
    elastic = load_all(HELM / "values-elasticsearch.yaml")[0]["server"]["config"]["persistence"]["datastores"]
    assert elastic["visibility"]["sql"] is None
    assert "elasticsearch" in elastic["visibility"]


def test_the_cloud_overlay_only_adds_what_cloud_needs() -> None:
    overlay = load_all(CLOUD / "kustomization.yaml")[0]
    assert overlay["resources"] == ["../base"]
    [patch] = load_all(CLOUD / "configmap-patch.yaml")
    assert int(patch["data"]["YORISOI_TEMPORAL_RETENTION_HOURS"]) <= 90 * 24, "Temporal Cloud keeps at most 90 days"
    assert patch["data"]["YORISOI_TEMPORAL_ADDRESS"].endswith(":7233")
