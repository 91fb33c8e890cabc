"""Every kustomization renders, with kustomize v5 or Debian's v2.0.3, into manifests that
validate: built-in kinds against the Kubernetes schemas (strict), custom resources against
their operators' fields; and the Deployment is the hardened, probed, multi-replica one the
service needs."""

from __future__ import annotations

import copy
import json

import jsonschema
import kubernetes_validate
import pytest
from kubernetes_validate.utils import SchemaNotFoundError, ValidationError
from yamllint import linter
from yamllint.config import YamlLintConfig

from tests.k8s.custom_resources import SCHEMAS
from tests.k8s.deployment_files import (
    K8S,
    KUSTOMIZATIONS,
    Manifest,
    container_of,
    load_yaml,
    one,
    render,
    yaml_files,
)
from web.http.config import ServiceConfig

KUBERNETES_VERSION = "1.30"  # oldest Kubernetes release still maintained when written


@pytest.fixture(scope="module")
def rendered() -> dict[str, list[Manifest]]:
    return {name: render(name) for name in KUSTOMIZATIONS}


@pytest.mark.parametrize("kustomization", KUSTOMIZATIONS)
def test_each_built_in_resource_matches_the_kubernetes_schema_strictly(
    rendered: dict[str, list[Manifest]], kustomization: str
) -> None:
    problems = {}
    for manifest in rendered[kustomization]:
        if manifest["kind"] in SCHEMAS:
            continue
        try:
            kubernetes_validate.validate(manifest, KUBERNETES_VERSION, strict=True)
        except (ValidationError, SchemaNotFoundError) as error:
            problems[f"{manifest['kind']}/{manifest['metadata']['name']}"] = str(error)
    assert problems == {}


@pytest.mark.parametrize("kustomization", KUSTOMIZATIONS)
def test_each_custom_resource_has_the_fields_its_operator_defines(
    rendered: dict[str, list[Manifest]], kustomization: str
) -> None:
    for manifest in rendered[kustomization]:
        if manifest["kind"] in SCHEMAS:
            jsonschema.validate(manifest, SCHEMAS[manifest["kind"]])


def test_the_validators_refuse_a_misspelt_field(rendered: dict[str, list[Manifest]]) -> None:
    deployment = copy.deepcopy(one(rendered["base"], "Deployment"))
    container_of(deployment)["readinessProbes"] = container_of(deployment).pop("readinessProbe")
    with pytest.raises(ValidationError):
        kubernetes_validate.validate(deployment, KUBERNETES_VERSION, strict=True)
    rule = copy.deepcopy(one(rendered["base"], "PrometheusRule"))
    rule["spec"]["groups"][0]["rules"][0]["fro"] = "2m"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(rule, SCHEMAS["PrometheusRule"])


def test_the_base_holds_everything_a_replica_set_of_the_service_needs(
    rendered: dict[str, list[Manifest]],
) -> None:
    kinds = {m["kind"] for m in rendered["base"]}
    assert {
        "Deployment",
        "Service",
        "Ingress",
        "ConfigMap",
        "Secret",
        "PodDisruptionBudget",
        "HorizontalPodAutoscaler",
        "ServiceMonitor",
        "PrometheusRule",
    } <= kinds


def test_the_deployment_runs_several_hardened_replicas(rendered: dict[str, list[Manifest]]) -> None:
    deployment = one(rendered["base"], "Deployment")
    pod = deployment["spec"]["template"]["spec"]
    container = container_of(deployment)
    assert deployment["spec"]["replicas"] >= 2
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
    assert container["securityContext"]["readOnlyRootFilesystem"] is True
    assert container["securityContext"]["allowPrivilegeEscalation"] is False
    assert container["securityContext"]["capabilities"] == {"drop": ["ALL"]}
    assert pod["automountServiceAccountToken"] is False
    assert {"requests", "limits"} <= set(container["resources"])


def test_the_only_writable_places_are_emptydirs_at_tmp_and_the_data_dir(
    rendered: dict[str, list[Manifest]],
) -> None:
    deployment = one(rendered["base"], "Deployment")
    volumes = {v["name"]: v for v in deployment["spec"]["template"]["spec"]["volumes"]}
    mounts = {m["mountPath"]: m["name"] for m in container_of(deployment)["volumeMounts"]}
    config = one(rendered["base"], "ConfigMap", "rollcall-config")["data"]
    assert set(mounts) == {"/tmp", config["ROLLCALL_STORE__DATA_DIR"]}
    assert all("emptyDir" in volumes[name] for name in mounts.values())


def test_probes_ask_the_health_endpoints(rendered: dict[str, list[Manifest]]) -> None:
    container = container_of(one(rendered["base"], "Deployment"))
    port_names = {p["name"] for p in container["ports"]}
    paths = {}
    for probe in ("startupProbe", "livenessProbe", "readinessProbe"):
        paths[probe] = container[probe]["httpGet"]["path"]
        assert container[probe]["httpGet"]["port"] in port_names
    assert paths == {
        "startupProbe": "/health/live",
        "livenessProbe": "/health/live",
        "readinessProbe": "/health/ready",
    }


def test_the_pod_is_given_longer_to_stop_than_the_service_takes(
    rendered: dict[str, list[Manifest]],
) -> None:
    deployment = one(rendered["base"], "Deployment")
    config = one(rendered["base"], "ConfigMap", "rollcall-config")["data"]
    budget = float(
        config.get("ROLLCALL_SERVICE__SHUTDOWN_TIMEOUT_S", ServiceConfig().shutdown_timeout_s)
    )
    pre_stop = container_of(deployment)["lifecycle"]["preStop"]["exec"]["command"]
    assert pre_stop[0] == "sleep"
    grace = deployment["spec"]["template"]["spec"]["terminationGracePeriodSeconds"]
    assert grace > float(pre_stop[1]) + budget


def test_service_ingress_and_monitor_reach_the_deployments_pods(
    rendered: dict[str, list[Manifest]],
) -> None:
    manifests = rendered["base"]
    deployment = one(manifests, "Deployment")
    pod_labels = deployment["spec"]["template"]["metadata"]["labels"]
    service = one(manifests, "Service")
    assert service["spec"]["selector"].items() <= pod_labels.items()
    assert one(manifests, "PodDisruptionBudget")["spec"]["selector"]["matchLabels"].items() <= (
        pod_labels.items()
    )
    service_ports = {p["name"] for p in service["spec"]["ports"]}
    backend = one(manifests, "Ingress")["spec"]["rules"][0]["http"]["paths"][0]["backend"]
    assert backend["service"] == {"name": "rollcall", "port": {"name": "http"}}
    monitor = one(manifests, "ServiceMonitor")["spec"]
    assert monitor["selector"]["matchLabels"].items() <= service["metadata"]["labels"].items()
    assert {e["port"] for e in monitor["endpoints"]} <= service_ports
    assert monitor["endpoints"][0]["path"] == "/metrics"
    hpa = one(manifests, "HorizontalPodAutoscaler")["spec"]
    assert hpa["scaleTargetRef"]["name"] == deployment["metadata"]["name"]
    assert hpa["minReplicas"] >= 2


def test_the_ingress_keeps_idle_websockets_open(rendered: dict[str, list[Manifest]]) -> None:
    annotations = one(rendered["base"], "Ingress")["metadata"]["annotations"]
    assert int(annotations["nginx.ingress.kubernetes.io/proxy-read-timeout"]) >= 3600
    assert int(annotations["nginx.ingress.kubernetes.io/proxy-send-timeout"]) >= 3600


def test_the_gpu_overlay_asks_for_one_gpu_on_gpu_nodes_with_the_cuda_image(
    rendered: dict[str, list[Manifest]],
) -> None:
    deployment = one(rendered["overlays/gpu"], "Deployment")
    pod = deployment["spec"]["template"]["spec"]
    container = container_of(deployment)
    assert container["resources"]["limits"]["nvidia.com/gpu"] == 1
    assert pod["nodeSelector"] == {"nvidia.com/gpu.present": "true"}
    assert {"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"} in (
        pod["tolerations"]
    )
    assert container["image"].endswith("-cuda")
    config = one(rendered["overlays/gpu"], "ConfigMap", "rollcall-config")["data"]
    assert json.loads(config["ROLLCALL_RECOGNIZER__PROVIDERS"])[0] == "CUDAExecutionProvider"
    # the patch merged into the base rather than replacing its hardening
    assert container["securityContext"]["readOnlyRootFilesystem"] is True
    assert config["ROLLCALL_SERVICE__HOST"] == "0.0.0.0"


def test_the_cpu_overlay_uses_the_cpu_image_and_no_gpu(
    rendered: dict[str, list[Manifest]],
) -> None:
    manifests = rendered["overlays/cpu"]
    container = container_of(one(manifests, "Deployment"))
    assert container["image"].endswith("-cpu")
    assert "nvidia.com/gpu" not in container["resources"]["limits"]
    assert all(m["metadata"].get("namespace", "rollcall") == "rollcall" for m in manifests)


def test_the_dashboard_configmap_carries_the_dashboard_for_grafanas_sidecar(
    rendered: dict[str, list[Manifest]],
) -> None:
    config_map = one(rendered["base"], "ConfigMap", "rollcall-grafana-dashboard")
    assert config_map["metadata"]["labels"]["grafana_dashboard"] == "1"
    board = json.loads(config_map["data"]["rollcall-dashboard.json"])
    assert board["uid"] == "rollcall"


def test_the_postgres_option_is_a_cloudnativepg_cluster_the_secret_can_point_at(
    rendered: dict[str, list[Manifest]],
) -> None:
    cluster = one(rendered["postgres"], "Cluster")
    secret = load_yaml(K8S / "base" / "secret.yaml")
    # CloudNativePG's read-write service is <cluster>-rw; the Secret's example URL uses it.
    assert f"@{cluster['metadata']['name']}-rw:" in secret["stringData"]["DATABASE_URL"]
    assert cluster["spec"]["bootstrap"]["initdb"]["database"] == "rollcall"


def test_every_yaml_file_passes_yamllint() -> None:
    config = YamlLintConfig(file=str(K8S / ".yamllint.yaml"))
    problems = [
        f"{path.relative_to(K8S.parent)}:{p.line}: {p.message}"
        for path in yaml_files()
        for p in linter.run(path.read_text(encoding="utf-8"), config, str(path))
    ]
    assert problems == []
