"""Data keys and the payload codec: per-case keys, wrapping, erasure (crypto-shredding), and the key of a context."""

from __future__ import annotations

import hashlib
import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest
from cryptography.exceptions import InvalidTag
from sqlalchemy.orm import Session, sessionmaker
from temporalio.api.common.v1 import Payload
from temporalio.converter import ActivitySerializationContext, WorkflowSerializationContext

from store.codec import ENCODING, KEY_METADATA, CaseKeyCodec, key_id_of
from store.crypto import SYSTEM_KEY, DataKeyRecord, DataKeys, KeyErasedError, MasterKey, WrongMasterKeyError
from store.db import create_schema, make_engine, session_factory
from workflows.ids import case_of_workflow_id

MASTER = MasterKey(hashlib.sha256(b"crypto tests").digest())
MASTER_NOW = datetime(2031, 4, 1, tzinfo=UTC)
PLAIN = Payload(metadata={"encoding": b"json/plain"}, data='{"name":"寄添花子"}'.encode())


@pytest.fixture
def sessions(tmp_path: Path) -> sessionmaker[Session]:
    engine = make_engine(f"sqlite:///{tmp_path / 'keys.sqlite3'}")
    create_schema(engine)
    return session_factory(engine)


def codec_for(keys: DataKeys, workflow_id: str | None) -> CaseKeyCodec:
    codec = CaseKeyCodec(keys, case_of_workflow_id)
    if workflow_id is None:
        return codec
    return codec.with_context(WorkflowSerializationContext(namespace="default", workflow_id=workflow_id))


async def test_a_payload_is_encrypted_under_its_case_s_key_and_decodes_back(sessions: sessionmaker[Session]) -> None:
    keys = DataKeys(sessions, MASTER)
    [encrypted] = await codec_for(keys, "case-c1").encode([PLAIN])
    assert encrypted.metadata["encoding"] == ENCODING
    assert key_id_of(encrypted) == "c1"
    assert "寄添花子".encode() not in encrypted.SerializeToString()
    assert await CaseKeyCodec(DataKeys(sessions, MASTER), case_of_workflow_id).decode([encrypted]) == [PLAIN]
    with sessions.begin() as session:
        record = session.get(DataKeyRecord, "c1")
        assert record is not None
        assert record.wrapped is not None
        assert len(record.wrapped) == 12 + 32 + 16  # only wrapped: nonce, key, tag


async def test_each_workflow_and_activity_of_a_case_uses_the_case_s_key(sessions: sessionmaker[Session]) -> None:
    codec = CaseKeyCodec(DataKeys(sessions, MASTER), case_of_workflow_id)
    activity = ActivitySerializationContext(
        namespace="default",
        activity_id="1",
        activity_type="project_transition",
        activity_task_queue="q",
        workflow_id="program-c-2-housing_benefit-v3",
        workflow_type="ProgramWorkflow",
        is_local=False,
    )
    assert codec.with_context(activity).key_id == "c-2"
    assert codec.with_context(WorkflowSerializationContext(namespace="d", workflow_id="case-c-2")).key_id == "c-2"
    scheduled = WorkflowSerializationContext(namespace="d", workflow_id="yorisoi-integrity-run")
    assert codec.with_context(scheduled).key_id == SYSTEM_KEY
    assert codec.key_id == SYSTEM_KEY  # no context: the system key, never a case's


async def test_a_ciphertext_moved_under_another_case_s_key_id_does_not_decrypt(sessions: sessionmaker[Session]) -> None:
    keys = DataKeys(sessions, MASTER)
    [a] = await codec_for(keys, "case-a").encode([PLAIN])
    await codec_for(keys, "case-b").encode([PLAIN])
    moved = Payload(metadata={"encoding": ENCODING, KEY_METADATA: b"b"}, data=a.data)
    with pytest.raises(InvalidTag):
        await codec_for(keys, None).decode([moved])


async def test_an_erased_key_makes_the_case_unreadable_and_refuses_new_payloads(
    sessions: sessionmaker[Session],
) -> None:
    keys = DataKeys(sessions, MASTER)
    [encrypted] = await codec_for(keys, "case-gone").encode([PLAIN])
    [other] = await codec_for(keys, "case-kept").encode([PLAIN])
    other_process = DataKeys(sessions, MASTER, cache_ttl=0)
    with sessions.begin() as session:
        assert keys.erase(session, "gone", reason="retention due 2031-04-01", now=MASTER_NOW) is True
        assert keys.erase(session, "gone", reason="again", now=MASTER_NOW) is False
    for reader in (keys, other_process):
        with pytest.raises(KeyErasedError):
            await codec_for(reader, None).decode([encrypted])
    with pytest.raises(KeyErasedError):
        await codec_for(keys, "case-gone").encode([PLAIN])
    assert await codec_for(other_process, None).decode([other]) == [PLAIN]
    with sessions.begin() as session:
        record = session.get(DataKeyRecord, "gone")
        assert record is not None
        assert (record.wrapped, record.erasure_reason) == (None, "retention due 2031-04-01")
        with pytest.raises(ValueError, match="system key"):
            keys.erase(session, SYSTEM_KEY, reason="no", now=MASTER_NOW)


async def test_another_master_key_cannot_unwrap(sessions: sessionmaker[Session]) -> None:
    [encrypted] = await codec_for(DataKeys(sessions, MASTER), "case-m").encode([PLAIN])
    stranger = DataKeys(sessions, MasterKey(bytes(32)))
    with pytest.raises(WrongMasterKeyError):
        await codec_for(stranger, None).decode([encrypted])


async def test_plaintext_payloads_pass_through_decoding(sessions: sessionmaker[Session]) -> None:
    assert await codec_for(DataKeys(sessions, MASTER), None).decode([PLAIN]) == [PLAIN]


def test_processes_creating_a_case_s_key_at_once_end_with_one_key(sessions: sessionmaker[Session]) -> None:
    found: list[bytes] = []
    stores = [DataKeys(sessions, MASTER, cache_ttl=0) for _ in range(6)]

    def create(keys: DataKeys) -> None:
        found.append(keys.get("race", create=True))

    threads = [threading.Thread(target=create, args=(k,)) for k in stores]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(found)) == 1
    assert len(found) == 6


def test_a_master_key_is_32_bytes() -> None:
    with pytest.raises(ValueError, match="32 bytes"):
        MasterKey(b"short")
