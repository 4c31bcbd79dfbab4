"""Encryption at rest in Temporal: a client's name never reaches the dev server's database file or its log.

A control case run without the payload codec on the same server puts its client's name into the same file, so the
search is shown to find plaintext where there is some.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from temporalio.api.enums.v1 import EventType

from statemachines.case.transitions import Trigger
from store.codec import key_id_of
from tests.conftest import DEV_SERVER
from tests.factories import SW1, VALID_PAYLOADS
from tests.workflows.devserver import DevServer
from tests.workflows.harness import Harness, running_harness


def _intake(name: str, kana: str) -> dict[str, Any]:
    intake = dict(VALID_PAYLOADS[Trigger.COMPLETE_INTAKE]["intake"])
    intake["client"] = {"name": name, "name_kana": kana, "address": f"{name}方 寄添市1-2-3", "phone": "090-0000-0000"}
    return {"intake": intake}


async def _a_case_with(h: Harness, case_id: str, name: str, kana: str) -> None:
    handle = await h.open(case_id=case_id)
    await h.send(handle, Trigger.COMPLETE_INTAKE.value, SW1, _intake(name, kana))
    await h.send(handle, Trigger.END_WITH_INFORMATION.value, SW1, VALID_PAYLOADS[Trigger.END_WITH_INFORMATION])
    await handle.execute_update("projected")


def _forms(name: str, token: str) -> list[bytes]:
    """The name as bytes in UTF-8, and its ASCII token (the same inside JSON \\u escapes and any UTF-8 text)."""
    return [name.encode("utf-8"), token.encode("ascii")]


def _server_files(folder: Path) -> tuple[bytes, bytes]:
    """The dev server's database (with its WAL) and its log, as bytes."""
    stored = b"".join(p.read_bytes() for p in sorted(folder.glob("temporal.db*")))
    return stored, (folder / "temporal.log").read_bytes()


async def test_no_client_name_reaches_the_temporal_database_file_or_its_log(tmp_path: Path) -> None:
    secret_token, control_token = f"Zq{uuid.uuid4().hex[:10]}", f"Ct{uuid.uuid4().hex[:10]}"
    secret_name, control_name = f"寄添{secret_token}花子", f"対照{control_token}太郎"
    server = DevServer(DEV_SERVER, tmp_path / "temporal.db")
    client = await server.start()
    try:
        async with running_harness(client, tmp_path / "read-model.sqlite3") as h:
            await _a_case_with(h, "grep-encrypted", secret_name, "ヨリソイハナコ")
            history = await h.client.get_workflow_handle("case-grep-encrypted").fetch_history()
            keys = {
                key_id_of(p)
                for e in history.events
                if e.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED
                for p in e.activity_task_scheduled_event_attributes.input.payloads
            }
            assert keys == {"grep-encrypted"}  # every activity input under the case's own key
        async with running_harness(client, tmp_path / "control.sqlite3", encrypt=False) as h:
            await _a_case_with(h, "grep-control", control_name, "タイショウタロウ")
    finally:
        server.kill()
    stored, logged = _server_files(tmp_path)
    assert all(form in stored for form in _forms(control_name, control_token)), "the search finds plaintext"
    for form in _forms(secret_name, secret_token):
        assert form not in stored
        assert form not in logged
