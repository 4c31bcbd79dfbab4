"""deploy/: the Compose file, the Kubernetes manifests, the Helm values and the Dockerfile agree with the code.

Pure parsing, no Docker and no cluster: every YAML document under deploy/ is read, and what each one says about the
image, the entrypoint's commands, the settings and the secrets is checked against settings.py and each other. The
ports, replicas, probes and order of start are in test_topology.py, the Temporal namespace in
test_temporal_namespace.py.
"""

from __future__ import annotations

import os
import re
import tomllib
from pathlib import Path

import pytest

from settings import Settings
from tests.deploy.manifests import (
    BASE,
    CLOUD,
    COMPOSE,
    DEFAULTS,
    DEPLOY,
    K8S,
    ROOT,
    compose,
    configmap,
    containers,
    helm_setup_job,
    helm_values,
    k8s_objects,
    load_all,
    pod_spec,
)

VERSION = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]
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


def manifests() -> list[Path]:
    return sorted(p for p in DEPLOY.rglob("*") if p.suffix in {".yaml", ".yml"})


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
