"""The production path stays consistent with the code, though it cannot run here."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel

from appointment.entrypoints.main import AppointmentSettings
from document_signature.entrypoints.main import DocumentSignatureSettings
from intake.entrypoints.main import IntakeSettings
from jalon_shared.events.topics import PARTITIONS
from jalon_shared.settings import ServiceSettings
from remote_session.entrypoints.main import RemoteSessionSettings
from web.entrypoints.main import WebSettings

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


#: Each service's settings class: the shared sections and the ones it adds.
SETTINGS: dict[str, type[BaseModel]] = {
    "intake": IntakeSettings,
    "appointment": AppointmentSettings,
    "remote-session": RemoteSessionSettings,
    "document-signature": DocumentSignatureSettings,
    "reporting": ServiceSettings,
}


def reads(settings: type[BaseModel], key: str) -> bool:
    """Return whether a JALON_* variable names a field of the settings, section by section."""
    model: Any = settings
    for part in key.removeprefix("JALON_").lower().split("__"):
        if not (isinstance(model, type) and issubclass(model, BaseModel)):
            return False
        field = model.model_fields.get(part)
        if field is None:
            return False
        model = field.annotation
    return True


def test_compose_runs_every_service_with_settings_the_code_reads() -> None:
    services = compose()["services"]
    for name, port in SERVICES.items():
        service = services[name]
        env = service["environment"]
        assert env["JALON_HTTP_PORT"] == str(port)
        assert service["build"]["args"]["SERVICE"] == name.replace("-", "_")
        assert service["depends_on"]["kafka-init"]["condition"] == "service_completed_successfully"
        for key in env:
            assert key.startswith("JALON_")
            assert reads(SETTINGS[name], key), key
        assert "replicaSet=rs0" in env["JALON_MONGO__URI"]
    for key in services["web"]["environment"]:
        assert reads(WebSettings, key), key


def test_kubernetes_deployments_set_only_settings_the_code_reads() -> None:
    k8s = ROOT / "deploy" / "k8s"
    config = yaml.safe_load((k8s / "config.yaml").read_text())
    for key in config["data"]:
        assert reads(ServiceSettings, key), key
    for name in SERVICES:
        (deployment, *_) = yaml.safe_load_all((k8s / f"{name}.yaml").read_text())
        (container,) = deployment["spec"]["template"]["spec"]["containers"]
        for variable in container["env"]:
            assert reads(SETTINGS[name], variable["name"]), variable["name"]


def test_kubernetes_manifests_parse_and_are_all_listed() -> None:
    k8s = ROOT / "deploy" / "k8s"
    listed = yaml.safe_load((k8s / "kustomization.yaml").read_text())["resources"]
    assert sorted(listed) == sorted(
        p.name for p in k8s.glob("*.yaml") if p.name != "kustomization.yaml"
    )
    docs = [doc for name in listed for doc in yaml.safe_load_all((k8s / name).read_text()) if doc]
    kinds = [doc["kind"] for doc in docs]
    deployments = {doc["metadata"]["name"] for doc in docs if doc["kind"] == "Deployment"}
    # Every service, and the TURN relay remote sessions' media goes through.
    assert deployments == {*SERVICES, "coturn"}
    assert kinds.count("KafkaTopic") == len(PARTITIONS)
    for doc in yaml.safe_load_all((k8s / "autoscaling.yaml").read_text()):
        assert doc["spec"]["maxReplicas"] <= max(PARTITIONS.values())


def test_the_turn_relay_and_remote_session_share_one_secret_and_pinned_image() -> None:
    services = compose()["services"]
    turn = services["coturn"]
    assert re.fullmatch(r"coturn/coturn:\d+\.\d+\.\d+(-r\d+)?", turn["image"])
    flags = turn["command"]
    for flag in ("--use-auth-secret", "--no-cli", "--fingerprint", "--listening-port=3478"):
        assert flag in flags
    secret = next(f for f in flags if f.startswith("--static-auth-secret="))
    rooms = services["remote-session"]["environment"]
    assert "${TURN_SECRET" in secret
    assert rooms["JALON_ROOMS__TURN_SECRET"].startswith("${TURN_SECRET")
    low = int(next(f for f in flags if f.startswith("--min-port=")).split("=")[1])
    high = int(next(f for f in flags if f.startswith("--max-port=")).split("=")[1])
    assert f"{low}-{high}:{low}-{high}/udp" in turn["ports"]
    assert {"3478:3478/udp", "3478:3478/tcp"} <= set(turn["ports"])
    web = services["web"]["environment"]
    assert web["JALON_WEB__SIGNALLING_URL"].startswith("wss://")
    origins = yaml.safe_load(rooms["JALON_ROOMS__ALLOWED_ORIGINS"])
    assert origins == yaml.safe_load(web["JALON_WEB__PUBLIC_ORIGINS"])
