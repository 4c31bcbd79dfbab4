"""Readers of deploy/ for the deployment tests: every YAML document of the Compose file, the Kubernetes manifests and
the Helm values, the objects and containers in them, and the defaults of settings.py to check them against."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

from settings import Settings

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
K8S = DEPLOY / "k8s"
BASE = K8S / "base"
CLOUD = K8S / "temporal-cloud"
HELM = DEPLOY / "helm"
COMPOSE = DEPLOY / "compose.yaml"
DEFAULTS = Settings.model_construct()
"""The defaults of settings.py, whatever the environment of the test run."""


def load_all(path: Path) -> list[dict[str, Any]]:
    docs = [doc for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")) if doc is not None]
    assert all(isinstance(doc, dict) for doc in docs), path
    return docs


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
