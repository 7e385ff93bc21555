"""The production path stays consistent with the code, though it cannot run here."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from appointment.entrypoints.main import AppointmentSettings
from document_signature.entrypoints.main import DocumentSignatureSettings
from jalon_shared.events.topics import PARTITIONS
from jalon_shared.settings import ServiceSettings
from remote_session.entrypoints.main import RemoteSessionSettings

ROOT = Path(__file__).resolve().parents[2]
SERVICES = {
    "intake": 8101,
    "appointment": 8102,
    "remote-session": 8103,
    "document-signature": 8104,
    "reporting": 8105,
}


def compose() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    return data


def test_compose_creates_every_topic_with_its_partition_count() -> None:
    script = compose()["services"]["kafka-init"]["command"][0]
    created = {name: int(count) for name, count in re.findall(r"create (\S+) (\d+)", script)}
    assert created == PARTITIONS


def test_compose_runs_every_service_with_settings_the_code_reads() -> None:
    services = compose()["services"]
    known = set(ServiceSettings.model_fields)
    #: Sections a service's own settings add to the shared ones.
    own = {
        "appointment": set(AppointmentSettings.model_fields),
        "document-signature": set(DocumentSignatureSettings.model_fields),
        "remote-session": set(RemoteSessionSettings.model_fields),
    }
    for name, port in SERVICES.items():
        service = services[name]
        env = service["environment"]
        assert env["JALON_HTTP_PORT"] == str(port)
        assert service["build"]["args"]["SERVICE"] == name.replace("-", "_")
        assert service["depends_on"]["kafka-init"]["condition"] == "service_completed_successfully"
        for key in env:
            assert key.startswith("JALON_")
            top = key.removeprefix("JALON_").split("__")[0].lower()
            assert top in known | own.get(name, set()), key
        assert "replicaSet=rs0" in env["JALON_MONGO__URI"]


def test_kubernetes_manifests_parse_and_are_all_listed() -> None:
    k8s = ROOT / "deploy" / "k8s"
    listed = yaml.safe_load((k8s / "kustomization.yaml").read_text())["resources"]
    assert sorted(listed) == sorted(
        p.name for p in k8s.glob("*.yaml") if p.name != "kustomization.yaml"
    )
    kinds: list[str] = []
    for name in listed:
        kinds += [doc["kind"] for doc in yaml.safe_load_all((k8s / name).read_text()) if doc]
    assert kinds.count("Deployment") == len(SERVICES)
    assert kinds.count("KafkaTopic") == len(PARTITIONS)
    for doc in yaml.safe_load_all((k8s / "autoscaling.yaml").read_text()):
        assert doc["spec"]["maxReplicas"] <= max(PARTITIONS.values())
