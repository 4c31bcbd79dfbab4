"""Retention, legal holds and crypto-shredding, through the API on a time-skipping server of the module's own.

A rule set keeps every record one day after the case ends and lets a finished case's workflow complete an hour
after its end; the clock is then moved two days on and the nightly erasure run.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from temporalio.client import WorkflowHistory
from temporalio.testing import WorkflowEnvironment

from statemachines.case.transitions import Trigger
from statemachines.policy.scheduling import JST
from store import queries
from store.archive import HistoryArchive
from store.codec import encrypted_data_converter
from store.crypto import DataKeys, KeyErasedError, MasterKey
from tests.factories import VALID_PAYLOADS
from tests.web.apiharness import Api, running_api, seed_other_town
from tests.web.pageclient import browser_for
from tests.workflows.harness import TEST_MASTER_KEY
from workflows.__main__ import replay_files
from workflows.history import fetch_histories, projected_events, replay
from workflows.ids import case_of_workflow_id
from workflows.retention_workflow import RetentionInput, RetentionResult

SHORT_KEEPING = {
    "municipality": "city-a",
    "dormant_after": "PT1H",
    "retention": {"consultation_record": "P1D", "plan": "P1D", "housing_benefit": "P1D", "program_record": "P1D"},
}


async def _short_retention(api: Api) -> None:
    today = datetime.now(JST).date()
    body = {**SHORT_KEEPING, "ruleset_id": f"short-{uuid.uuid4().hex[:8]}", "effective_from": today.isoformat()}
    response = await api.post("admin", "/api/rulesets", body)
    assert response.status_code == 201, response.text


async def _ended_case(api: Api, name: str) -> str:
    case_id = await api.open_case("sw1")
    intake = dict(VALID_PAYLOADS[Trigger.COMPLETE_INTAKE]["intake"])
    intake["client"] = {"name": name, "name_kana": "ヨリソイハナコ"}
    assert (await api.command("sw1", case_id, "complete_intake", {"intake": intake})).status_code == 200
    ended = await api.command("sw1", case_id, "end_with_information", VALID_PAYLOADS[Trigger.END_WITH_INFORMATION])
    assert ended.status_code == 200, ended.text
    return case_id


async def _erasure_night(api: Api, env: WorkflowEnvironment) -> RetentionResult:
    await env.sleep(timedelta(days=2))  # the workflows complete after an hour; the records are due after a day
    result = await api.worker.client.execute_workflow(
        "RetentionWorkflow",
        RetentionInput(batch_size=2),
        id=f"retention-{uuid.uuid4().hex[:8]}",
        task_queue=api.worker.task_queue,
        result_type=RetentionResult,
    )
    assert isinstance(result, RetentionResult)
    return result


def _month_counts(api: Api) -> dict[str, int]:
    now = datetime.now(UTC)
    with api.worker.sessions.begin() as session:
        return queries.event_counts(session, "city-a", now - timedelta(days=40), now + timedelta(days=40))


@pytest.fixture
def fresh_keys(api_in_own_time: Api) -> DataKeys:
    """Another process's keys: nothing cached, the store's word only."""
    return DataKeys(api_in_own_time.worker.sessions, MasterKey(TEST_MASTER_KEY), cache_ttl=0)


@pytest.fixture
async def api_in_own_time(own_time_env: WorkflowEnvironment, tmp_path: Path) -> Any:
    async with running_api(own_time_env, tmp_path, secure_cookies=False) as api:
        yield api


async def test_an_ended_case_is_crypto_shredded_after_its_retention_and_still_verifies(
    api_in_own_time: Api, own_time_env: WorkflowEnvironment, fresh_keys: DataKeys
) -> None:
    api = api_in_own_time
    await _short_retention(api)
    name = f"寄添{uuid.uuid4().hex[:8]}花子"
    case_id = await _ended_case(api, name)
    kept = await _ended_case(api, "保留太郎")
    hold = await api.post("mun1", f"/api/cases/{kept}/legal-hold", {"reason": "審査請求中（令和8年第12号）"})
    assert hold.status_code == 201, hold.text
    before = _month_counts(api)
    converter = encrypted_data_converter(fresh_keys, case_of_workflow_id)
    histories = await fetch_histories(api.worker.client, case_id)
    assert name in str(await projected_events(histories, converter))  # readable while the key is there

    result = await _erasure_night(api, own_time_env)

    assert case_id in result.erased
    assert kept in result.held
    assert kept not in result.erased
    with pytest.raises(KeyErasedError):
        await projected_events(await fetch_histories(api.worker.client, case_id), converter)
    assert await replay(await fetch_histories(api.worker.client, case_id), converter) is not None
    with api.worker.sessions.begin() as session:
        [(_, archived)] = HistoryArchive(session).load(case_id)
    with pytest.raises(KeyErasedError):
        await projected_events([WorkflowHistory.from_json(f"case-{case_id}", archived)], converter)
    verified = (await api.post("aud1", f"/api/cases/{case_id}/verify")).json()
    assert verified["chain_intact"] is True
    assert verified["payloads_erased"] is True
    assert verified["deterministic"] is None
    assert verified["events"] == 3
    history = (await api.get("aud1", f"/api/cases/{case_id}/history")).json()
    assert name not in str(history)
    assert _month_counts(api) == before
    assert (await api.get("sw1", f"/api/cases/{case_id}")).status_code == 410
    async with browser_for(api) as browser:
        await browser.login("sw1")
        erased_page = await browser.get(f"/cases/{case_id}")
    assert erased_page.status_code == 410
    assert "保存期間の経過により消去されました" in erased_page.text
    erasures = (await api.get("aud1", "/api/retention/erasures")).json()
    assert [(e["case_id"], e["events_erased"]) for e in erasures] == [(case_id, 3)]
    for db in Path(str(api.worker.sessions.kw["bind"].url.database)).parent.glob("api.sqlite3*"):
        assert name.encode("utf-8") not in db.read_bytes()


async def test_a_legal_hold_keeps_the_case_until_it_is_released(
    api_in_own_time: Api, own_time_env: WorkflowEnvironment
) -> None:
    api = api_in_own_time
    await _short_retention(api)
    case_id = await _ended_case(api, "保留花子")
    seed_other_town(api)
    path = f"/api/cases/{case_id}/legal-hold"
    assert (await api.post("sw1", path, {"reason": "x"})).status_code == 403
    assert (await api.post("mun-b", path, {"reason": "x"})).status_code == 404
    assert (await api.post("mun1", path, {"reason": ""})).status_code == 422
    assert (await api.post("mun1", path, {"reason": "訴訟提起"})).status_code == 201
    again = await api.post("admin", path, {"reason": "二重"})
    assert again.status_code == 409
    assert "既に" in again.json()["detail"]

    first = await _erasure_night(api, own_time_env)
    assert case_id in first.held
    status = (await api.get("aud1", f"/api/cases/{case_id}/retention")).json()
    assert status["retention"]["held"] is True
    assert status["retention"]["erased_at"] is None

    released = await api.post("mun1", f"{path}/release", {"reason": "判決確定から3年経過"})
    assert released.status_code == 200
    assert released.json()["released_by"] == "mun1"
    assert (await api.post("mun1", f"{path}/release", {"reason": "再"})).status_code == 409
    second = await _erasure_night(api, own_time_env)
    assert second.erased == [case_id]
    status = (await api.get("aud1", f"/api/cases/{case_id}/retention")).json()
    assert status["retention"]["erased_at"] is not None
    assert [h["reason"] for h in status["holds"]] == ["訴訟提起"]
    assert (await api.post("mun1", path, {"reason": "遅すぎる"})).status_code == 409


async def test_an_erased_case_exports_its_skeleton_and_the_cli_verifies_its_chain(
    api_in_own_time: Api, own_time_env: WorkflowEnvironment, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    api = api_in_own_time
    await _short_retention(api)
    name = f"消去{uuid.uuid4().hex[:8]}"
    case_id = await _ended_case(api, name)
    assert case_id in (await _erasure_night(api, own_time_env)).erased

    response = await api.get("aud1", f"/api/cases/{case_id}/temporal-history")
    assert response.status_code == 200, response.text
    exported = response.json()
    assert exported["payloads_erased"] is True
    assert [e["seq"] for e in exported["skeleton"]] == [1, 2, 3]
    assert all(e["payload"] == {} for e in exported["skeleton"])
    assert name not in response.text
    path = tmp_path / "erased.json"
    path.write_text(response.text, encoding="utf-8")
    assert await replay_files([path], None, api.worker.client.data_converter) == 0  # no key needed, none asked for
    printed = capsys.readouterr().out
    assert "payloads erased" in printed
    assert "ハッシュ連鎖 chain: OK" in printed

    exported["skeleton"][1]["to_state"] = "SCREENING_ALTERED"
    path.write_text(json.dumps(exported), encoding="utf-8")
    assert await replay_files([path], None, api.worker.client.data_converter) == 1
    assert "ハッシュ連鎖 chain: NG at seq 2" in capsys.readouterr().out
