"""/api/institutions over HTTP, on the demo directory: search, visibility, suggestions for a case, CSV import."""

from __future__ import annotations

from datetime import UTC, date, datetime

import httpx

from statemachines.case.timers import JST
from statemachines.policy.institutions import InstitutionCategory
from store.institutions import CSV_COLUMNS
from tests.web.apiharness import Api

CENTRE = InstitutionCategory.COMMUNITY_GENERAL_SUPPORT_CENTER.value
HEADER = ",".join(CSV_COLUMNS)
ROW = "a-9-npo,A市 架空のNPO,,npo,city-a,A-9,A市本町9-9-9,03-0000-9999,,true,"


def born_years_ago(years: int) -> str:
    """1 January ``years`` years ago (JST): the client has had this year's birthday, whatever today is."""
    return date(datetime.now(UTC).astimezone(JST).year - years, 1, 1).isoformat()


async def upload(api: Api, user: str, csv_text: str) -> httpx.Response:
    headers = {**await api.headers(user), "Content-Type": "text/csv; charset=utf-8"}
    return await api.http.post("/api/institutions/import", content=csv_text.encode("utf-8-sig"), headers=headers)


async def test_search_by_category_and_area(api: Api) -> None:
    response = await api.get("sw1", "/api/institutions", category=CENTRE)
    assert response.status_code == 200, response.text
    centres = response.json()["items"]
    assert {(c["municipality"], c["area_code"]) for c in centres} == {("city-a", "A-1"), ("city-a", "A-2")}
    in_a2 = (await api.get("sw1", "/api/institutions", area="A-2", limit=500)).json()
    assert in_a2["total"] == len(in_a2["items"]) > 1
    assert {i["area_code"] for i in in_a2["items"]} == {"A-2"}


async def test_search_by_text_and_referrals(api: Api) -> None:
    found = (await api.get("sw1", "/api/institutions", q="地域包括 第二")).json()["items"]
    assert [i["institution_id"] for i in found] == ["a-2-community-general-support-center"]
    closed = (await api.get("sw1", "/api/institutions", accepts_referrals="false")).json()["items"]
    assert closed
    assert not any(i["accepts_referrals"] for i in closed)


async def test_sw2_never_sees_city_a_institutions(api: Api) -> None:
    everything = (await api.get("sw2", "/api/institutions", limit=500)).json()
    assert everything["total"] > 0
    assert {i["municipality"] for i in everything["items"]} == {"city-b"}
    assert (await api.get("sw2", "/api/institutions", municipality="city-a")).json()["total"] == 0
    response = await api.get("sw2", "/api/institutions/a-1-welfare-office")
    assert response.status_code == 404
    assert response.json()["code"] == "institution_not_found"
    assert (await api.get("sw1", "/api/institutions/a-1-welfare-office")).status_code == 200
    areas = (await api.get("sw2", "/api/institutions/areas")).json()
    assert areas == [{"municipality": "city-b", "areas": ["B-1"]}]


async def test_every_category_is_listed_with_its_source(api: Api) -> None:
    categories = (await api.get("aud1", "/api/institutions/categories")).json()
    assert [c["id"] for c in categories] == [c.value for c in InstitutionCategory]
    assert all(c["source"].startswith("process.md §6") for c in categories)


async def test_a_70_year_old_gets_the_centre_of_their_area_first(api: Api) -> None:
    case_id = await api.open_case("sw1", client={"birth_date": born_years_ago(70)})
    response = await api.get("sw1", "/api/institutions/suggestions", case_id=case_id, area="A-2")
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["age"], body["elderly"], body["municipality"], body["area"]) == (70, True, "city-a", "A-2")
    assert body["items"][0]["institution_id"] == "a-2-community-general-support-center"
    assert all(i["accepts_referrals"] and i["municipality"] == "city-a" for i in body["items"])


async def test_a_younger_client_gets_their_area_first_but_no_centre_singled_out(api: Api) -> None:
    case_id = await api.open_case("sw1", client={"birth_date": born_years_ago(40)})
    body = (await api.get("sw1", "/api/institutions/suggestions", case_id=case_id, area="A-2", limit=5)).json()
    assert (body["age"], body["elderly"]) == (40, False)
    assert len(body["items"]) == 5
    assert {i["area_code"] for i in body["items"]} == {"A-2"}
    assert body["items"][0]["category"] != CENTRE


async def test_suggestions_for_a_case_of_another_municipality_are_404(api: Api) -> None:
    case_id = await api.open_case("sw1", client={"birth_date": born_years_ago(70)})
    response = await api.get("sw2", "/api/institutions/suggestions", case_id=case_id)
    assert response.status_code == 404
    assert (await api.get("sw1", "/api/institutions/suggestions", case_id="no-such-case")).status_code == 404


async def test_import_is_refused_to_anyone_but_an_admin(api: Api) -> None:
    for user in ("sw1", "mun1", "aud1"):
        response = await upload(api, user, f"{HEADER}\n{ROW}\n")
        assert response.status_code == 403, user
    assert (await api.get("sw1", "/api/institutions/a-9-npo")).status_code == 404


async def test_a_bad_csv_is_422_with_every_row_error_and_nothing_is_imported(api: Api) -> None:
    bad = ROW.replace("a-9-npo", "a-9-bad").replace(",npo,", ",town_hall,").replace("03-0000-9999", "")
    response = await upload(api, "admin", f"{HEADER}\n{ROW}\n{bad}\n")
    assert response.status_code == 422, response.text
    assert response.json()["code"] == "invalid_csv"
    assert [(e["line"], e["column"]) for e in response.json()["errors"]] == [(3, "category"), (3, "phone")]
    assert (await api.get("admin", "/api/institutions/a-9-npo")).status_code == 404


async def test_an_admin_imports_a_csv_of_their_municipality(api: Api) -> None:
    changed = ROW.replace("a-9-npo", "a-2-npo").replace("A-9", "A-2")  # the demo NPO, renamed
    response = await upload(api, "admin", f"{HEADER}\n{ROW}\n{changed}\n")
    assert response.status_code == 200, response.text
    assert response.json() == {"added": 1, "updated": 1, "unchanged": 0}
    assert (await api.get("sw1", "/api/institutions", area="A-9")).json()["items"][0]["name_ja"] == "A市 架空のNPO"
    assert (await api.get("sw1", "/api/institutions/a-2-npo")).json()["name_ja"] == "A市 架空のNPO"
    other = ROW.replace("city-a", "city-b")
    response = await upload(api, "admin", f"{HEADER}\n{other}\n")
    assert response.status_code == 422
    assert response.json()["errors"][0]["column"] == "municipality"
