"""The 相談者 and the 受付番号 through the API: a case opens numbered and names its person; the person is found again
by kana typed any way (hiragana, half-width, spaces) or by part of the name, only among one's own towns' people;
every search and every person read is in the access log, never what was typed; a new consultation of a known person
starts from their recorded identity, and the person lists both cases."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from statemachines.case.transitions import Trigger
from store.access_log import AccessLogRecord
from tests.factories import VALID_PAYLOADS
from tests.web.apiharness import Api, seed_other_town

CLIENT = {
    "name": "山田 花子",
    "name_kana": "ヤマダ ハナコ",
    "birth_date": "1980-05-01",
    "phone": "090-0000-0000",
    "household": "単身",
}


async def _opened(api: Api, **body: Any) -> dict[str, Any]:
    response = await api.post("sw1", "/api/cases", {"municipality": "city-a", **body})
    assert response.status_code == 201, response.text
    api.worker.handles.append(api.worker.client.get_workflow_handle(f"case-{response.json()['case_id']}"))
    opened: dict[str, Any] = response.json()
    return opened


async def _search(api: Api, user: str, q: str, **params: Any) -> list[dict[str, Any]]:
    response = await api.get(user, "/api/people", q=q, purpose="consultation", **params)
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def test_a_case_opens_numbered_and_is_found_by_its_number(api: Api) -> None:
    first = await _opened(api, client=CLIENT)
    second = await _opened(api)
    assert first["case_number"].startswith("A市-20")
    assert first["case_number"].endswith("-000001")
    assert second["case_number"].endswith("-000002")
    found = await api.get("sw1", "/api/cases", number=first["case_number"])
    assert [c["case_id"] for c in found.json()["items"]] == [first["case_id"]]
    detail = (await api.get("sw1", f"/api/cases/{first['case_id']}")).json()
    assert detail["case_number"] == first["case_number"]
    assert detail["records"]["case_number"] == first["case_number"]  # in the workflow's record, from the first event
    as_of = "9999-12-31T00:00:00+09:00"  # rebuilt from the recorded events: the first one holds the number
    history = (await api.get("aud1", f"/api/cases/{first['case_id']}/history", as_of=as_of)).json()
    assert history["as_of"]["records"]["case_number"] == first["case_number"]


async def test_the_person_is_found_by_kana_typed_any_way_and_only_in_ones_own_towns(api: Api) -> None:
    seed_other_town(api)
    opened = await _opened(api, client=CLIENT)
    for typed in ("やまだ はなこ", "ﾔﾏﾀﾞﾊﾅｺ", "ヤマダ　ハナコ", "はなこ", "山田", "田 花"):
        found = await _search(api, "sw1", typed)
        assert [p["name"] for p in found] == ["山田 花子"], typed
    assert await _search(api, "sw1", "やまだ", birth_date="1980-05-01") != []
    assert await _search(api, "sw1", "やまだ", birth_date="1981-05-01") == []
    assert await _search(api, "sw1", "%") == []  # LIKE's own characters are only characters
    assert await _search(api, "sw-b", "やまだ") == []  # B町's consultant: A市's people are not theirs
    person_id = (await api.get("sw1", f"/api/cases/{opened['case_id']}")).json()["person_id"]
    assert (await api.get("sw-b", f"/api/people/{person_id}")).status_code == 404
    assert (await api.get("ops1", "/api/people", q="やまだ", purpose="casework")).status_code == 403
    assert (await api.get("admin", f"/api/people/{person_id}")).status_code == 403


async def test_bad_queries_are_refused_with_a_reason(api: Api) -> None:
    for params in ({"q": "　", "purpose": "casework"}, {"q": "やまだ"}, {"q": "やまだ", "purpose": "curiosity"}):
        response = await api.get("sw1", "/api/people", **params)
        assert response.status_code == 422, (params, response.text)
        assert response.json()["detail"]


async def test_every_search_and_person_read_is_logged_without_what_was_typed(api: Api) -> None:
    opened = await _opened(api, client=CLIENT)
    person_id = (await api.get("sw1", f"/api/cases/{opened['case_id']}")).json()["person_id"]
    await _search(api, "sw1", "やまだ")
    await _search(api, "sw1", "だれもいない")
    read = await api.get("csw1", f"/api/people/{person_id}", purpose="inquiry")
    assert read.status_code == 200
    assert read.json()["person"]["phone"] == CLIENT["phone"]
    with api.worker.sessions.begin() as session:
        rows = session.scalars(select(AccessLogRecord).where(AccessLogRecord.case_id == "")).all()
        logged = [(r.user_id, r.person_id, r.purpose, "person.search" in r.fields) for r in rows]
        text = repr([(r.fields, r.purpose) for r in rows])
    assert ("sw1", person_id, "consultation", True) in logged
    assert ("sw1", None, "consultation", True) in logged  # a search that found nobody is logged too
    assert ("csw1", person_id, "inquiry", False) in logged
    assert "やまだ" not in text
    assert "だれも" not in text
    audit = (await api.get("aud1", "/api/audit/access-log")).json()["items"]
    assert any(row["person_id"] == person_id and row["user_id"] == "csw1" for row in audit)


async def test_a_new_consultation_of_a_known_person_starts_from_their_record(api: Api) -> None:
    first = await _opened(api, client=CLIENT)
    person_id = (await api.get("sw1", f"/api/cases/{first['case_id']}")).json()["person_id"]
    second = await _opened(api, person_id=person_id, client={"phone": "03-1111-2222"}, topics=["housing"])
    record = (await api.get("sw1", f"/api/cases/{second['case_id']}")).json()
    assert record["person_id"] == person_id
    client = record["records"]["intake"]["client"]
    assert client["name"] == CLIENT["name"]
    assert client["household"] == "単身"
    assert client["phone"] == "03-1111-2222"  # what was given now wins
    person = (await api.get("sw1", f"/api/people/{person_id}")).json()
    assert [c["case_number"] for c in person["cases"]] == [second["case_number"], first["case_number"]]
    assert person["person"]["phone"] == "03-1111-2222"  # the newest record is the person's
    unknown = await api.post("sw1", "/api/cases", {"municipality": "city-a", "person_id": "nobody"})
    assert unknown.status_code == 404


async def test_a_client_identity_recorded_later_makes_the_person_findable(api: Api) -> None:
    opened = await _opened(api)  # anonymous at first contact
    assert await _search(api, "sw1", "すずき") == []
    sheet = VALID_PAYLOADS[Trigger.COMPLETE_INTAKE]["intake"]
    intake = {"intake": {**sheet, "client": {"name_kana": "スズキ イチロウ"}}}
    response = await api.command("sw1", opened["case_id"], Trigger.COMPLETE_INTAKE.value, intake)
    assert response.status_code == 200, response.text
    assert [p["name_kana"] for p in await _search(api, "sw1", "すずき")] == ["スズキ イチロウ"]
