"""deploy/: the Temporal namespace: the Helm chart registers exactly the workflows' search attributes, one namespace
keeps case histories long enough (Temporal Cloud at most 90 days), histories stay in PostgreSQL, and the Cloud overlay
adds only what Cloud needs.
"""

from __future__ import annotations

import re

from deploy.temporal_setup import required_search_attributes, type_name
from tests.deploy.manifests import (
    CLOUD,
    DEFAULTS,
    HELM,
    compose,
    configmap,
    containers,
    env_of,
    helm_setup_job,
    helm_values,
    load_all,
)


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
