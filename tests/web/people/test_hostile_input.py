"""The worst a search box and a person's address can be sent, through the API (``/api/people``) and the pages
(``POST /people/search``, ``/people/{id}``): NUL, lone surrogates, 50 000 characters, only spaces, only punctuation,
LIKE's own characters, dates at and past the calendar's ends, a purpose that is none, ids that are paths or 10 KB.

Each is answered with a 422, 404 or 403 and a Japanese reason a person can act on, or a 200 where finding nobody is
the right answer; never a 500. A refusal writes nothing to the access log; an answer writes exactly what it showed.
LIKE's ``%``, ``_`` and ``\\`` are only characters. On SQLite and on PostgreSQL (whose text refuses a NUL: it is
refused before the database)."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, quote_from_bytes

import httpx
import pytest
import pytest_asyncio
from sqlalchemy import func, select
from temporalio.testing import WorkflowEnvironment

from store.access_log import AccessLogRecord
from tests.web.apiharness import Api, running_api
from tests.web.pageclient import CSRF, Browser, browser_for

PEOPLE = {  # name -> kana; three hold LIKE's own characters (entered by mistake, or pasted)
    "山田 花子": "やまだ はなこ",
    "大野＿太郎": "オオノ タロウ",  # a full-width low line: the same character as "_" once compared
    "小川%次郎": "オガワ ジロウ",
    "中村\\三郎": "ナカムラ サブロウ",
}
LONG = "あ" * 50_000  # 450 000 characters once percent-encoded: a form body's, not a URL's
LONG_ASCII = "a" * 50_000  # what fits in a URL (httpx's limit is 65 536)
TEN_KB = "a" * 10_240


@dataclass
class World:
    api: Api
    person_id: str  # 山田 花子


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def world(time_env: WorkflowEnvironment, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[World]:
    async with running_api(time_env, tmp_path_factory.mktemp("hostile"), secure_cookies=False) as api:
        person_ids = []
        for name, kana in PEOPLE.items():
            case_id = await api.open_case("sw1", client={"name": name, "name_kana": kana, "birth_date": "1980-05-01"})
            person_ids.append((await api.get("sw1", f"/api/cases/{case_id}")).json()["person_id"])
        yield World(api=api, person_id=person_ids[0])


def _logged(api: Api) -> int:
    with api.worker.sessions.begin() as session:
        return session.scalar(select(func.count()).select_from(AccessLogRecord)) or 0


def _raw_query(params: Mapping[str, str | bytes]) -> str:
    """A query string or form body as sent, bytes that are no UTF-8 (a lone surrogate's) included."""
    return "&".join(
        f"{k}={quote_from_bytes(v) if isinstance(v, bytes) else quote(v, safe='')}" for k, v in params.items()
    )


SURROGATE = "\ud800".encode("utf-8", "surrogatepass")  # b"\xed\xa0\x80": what a broken client sends

# -- the API ------------------------------------------------------------------------------------------------------

REFUSED_SEARCHES: list[tuple[str, dict[str, str | bytes], str, str]] = [
    ("NUL", {"q": "やま\x00だ"}, "invalid_character", "使用できない文字"),
    ("lone surrogate", {"q": b"\xe3\x82\x84" + SURROGATE}, "invalid_character", "使用できない文字"),
    ("50 000 characters", {"q": LONG_ASCII}, "invalid_query", "100文字以内"),
    ("only spaces", {"q": " 　 \t"}, "invalid_query", "1文字以上"),
    ("empty", {"q": ""}, "invalid_query", "1文字以上"),
    ("year 0000", {"q": "やまだ", "birth_date": "0000-01-01"}, "invalid_query", "生年月日は"),
    ("30 February", {"q": "やまだ", "birth_date": "2026-02-30"}, "invalid_query", "生年月日は"),
    ("a long date", {"q": "やまだ", "birth_date": "1" * 50_000}, "invalid_query", "生年月日は"),
    ("a timestamp", {"q": "やまだ", "birth_date": "315532800"}, "invalid_query", "生年月日は"),
    ("unknown purpose", {"q": "やまだ", "purpose": "curiosity"}, "invalid_query", "目的を選んでください"),
    ("no purpose", {"q": "やまだ", "purpose": ""}, "invalid_query", "目的を選んでください"),
    ("all at once", {"q": " ", "purpose": "x", "birth_date": "0000-00-00"}, "invalid_query", "1文字以上"),
]


@pytest.mark.parametrize(
    ("params", "code", "reason"), [c[1:] for c in REFUSED_SEARCHES], ids=[c[0] for c in REFUSED_SEARCHES]
)
async def test_an_api_search_no_one_can_answer_is_refused_with_a_reason_and_logs_nothing(
    world: World, params: dict[str, str | bytes], code: str, reason: str
) -> None:
    api = world.api
    before = _logged(api)
    query = _raw_query({"purpose": "casework", **params})
    response = await api.http.get(f"/api/people?{query}", headers=await api.headers("sw1"))
    assert response.status_code == 422, response.text
    problem = response.json()
    assert problem["code"] == code
    assert reason in problem["detail"], problem["detail"]
    assert _logged(api) == before


FOUND_BY_CHARACTERS = [  # what LIKE would take for wildcards finds only the names that hold the character itself
    ("_", ["大野＿太郎"]),
    ("＿", ["大野＿太郎"]),
    ("%", ["小川%次郎"]),
    ("％", ["小川%次郎"]),
    ("\\", ["中村\\三郎"]),
    ("＼", ["中村\\三郎"]),
    ("野_太", ["大野＿太郎"]),
    ("野%太", []),  # as a wildcard it would find 大野＿太郎
    ("川_次", []),  # as a wildcard it would find 小川%次郎
    ("村\\%", []),
    ("\\%", []),  # the backslash escapes nothing
    ("！？。、・「」", []),  # only punctuation: nobody, and no error
    ("'; DROP TABLE people; --", []),
]


@pytest.mark.parametrize(("q", "names"), FOUND_BY_CHARACTERS, ids=[c[0] for c in FOUND_BY_CHARACTERS])
async def test_likes_own_characters_and_punctuation_are_searched_as_characters(
    world: World, q: str, names: list[str]
) -> None:
    api = world.api
    before = _logged(api)
    response = await api.get("sw1", "/api/people", q=q, purpose="casework")
    assert response.status_code == 200, response.text
    assert [p["name"] for p in response.json()["items"]] == names
    assert _logged(api) == before + max(1, len(names))  # one line per person shown, or one for a search of nobody


@pytest.mark.parametrize(("birth_date", "found"), [("0001-01-01", 0), ("9999-12-31", 0), ("1980-05-01", 1)])
async def test_a_birth_date_at_the_calendars_ends_finds_nobody_without_an_error(
    world: World, birth_date: str, found: int
) -> None:
    response = await world.api.get("sw1", "/api/people", q="やまだ", purpose="consultation", birth_date=birth_date)
    assert response.status_code == 200, response.text
    assert response.json()["total"] == found


REFUSED_READS: list[tuple[str, str, str, int, str]] = [  # id, user, path, status, reason
    ("path traversal", "sw1", "/api/people/..%2F..%2Fcases", 404, "見つかりません"),
    ("dot dot", "sw1", "/api/people/%2E%2E", 404, "相談者が見つかりません"),
    ("10 KB", "sw1", f"/api/people/{TEN_KB}", 422, "入力に誤り"),
    ("NUL", "sw1", "/api/people/ab%00cd", 422, "使用できない文字"),
    ("lone surrogate", "sw1", "/api/people/ab%ED%A0%80", 422, "使用できない文字"),
    ("unknown purpose", "sw1", "/api/people/{person}?purpose=curiosity", 422, "目的を選んでください"),
    ("operations", "ops1", "/api/people/{person}", 403, "相談者"),
    ("administrator", "admin", "/api/people/{person}", 403, "相談者"),
]


@pytest.mark.parametrize(
    ("user", "path", "status", "reason"), [c[1:] for c in REFUSED_READS], ids=[c[0] for c in REFUSED_READS]
)
async def test_a_person_read_by_an_id_that_is_none_or_by_who_may_not_is_refused_with_a_reason(
    world: World, user: str, path: str, status: int, reason: str
) -> None:
    api = world.api
    before = _logged(api)
    response = await api.http.get(path.replace("{person}", world.person_id), headers=await api.headers(user))
    assert response.status_code == status, response.text
    assert reason in response.json()["detail"], response.json()["detail"]
    assert _logged(api) == before


@pytest.mark.parametrize(
    "person_id", ["\\ud800", "ab\\u0000cd", "../../etc/passwd", "a" * 10_240], ids=["surrogate", "NUL", "path", "10 KB"]
)
async def test_a_new_consultation_of_a_person_that_is_none_opens_nothing(world: World, person_id: str) -> None:
    api = world.api
    body = '{"municipality": "city-a", "person_id": "' + person_id + '"}'
    headers = {**await api.headers("sw1"), "Content-Type": "application/json"}
    response = await api.http.post("/api/cases", content=body.encode(), headers=headers)
    assert response.status_code in (404, 422), response.text
    assert any("\u3040" <= c <= "\u30ff" for c in response.json()["detail"])  # said in Japanese


# -- the pages ----------------------------------------------------------------------------------------------------


@contextlib.asynccontextmanager
async def _signed_in(api: Api, user: str = "sw1") -> AsyncIterator[Browser]:
    async with browser_for(api) as browser:
        await browser.login(user)
        yield browser


async def _csrf(browser: Browser) -> str:
    match = CSRF.search((await browser.get("/process")).text)  # a page that names no client (no access-log line)
    assert match is not None
    return match.group(1)


async def _post_form(browser: Browser, token: str, params: Mapping[str, str | bytes]) -> httpx.Response:
    body = _raw_query({"csrf_token": token, "purpose": "casework", **params})
    kind = {"Content-Type": "application/x-www-form-urlencoded"}
    return await browser.http.post("/people/search", content=body.encode("ascii"), headers=kind)


def _japanese_page(response: httpx.Response, reason: str) -> None:
    assert response.headers["content-type"].startswith("text/html"), response.text
    assert '<html lang="ja">' in response.text
    assert reason in response.text, response.text


PAGE_SEARCHES: list[tuple[str, dict[str, str | bytes], int, str]] = [
    ("NUL", {"q": "やま\x00だ"}, 422, "使用できない文字"),
    ("lone surrogate", {"q": b"\xe3\x82\x84" + SURROGATE}, 422, "使用できない文字"),
    ("raw surrogate bytes", {"q": SURROGATE}, 422, "使用できない文字"),
    ("50 000 characters", {"q": LONG}, 422, "100文字以内"),
    ("only spaces", {"q": " 　 "}, 422, "1文字以上"),
    ("no query", {}, 422, "1文字以上"),
    ("year 0000", {"q": "やまだ", "birth_date": "0000-01-01"}, 422, "生年月日は"),
    ("30 February", {"q": "やまだ", "birth_date": "2026-02-30"}, 422, "生年月日は"),
    ("unknown purpose", {"q": "やまだ", "purpose": "curiosity"}, 422, "目的を選んでください"),
    ("year 1", {"q": "やまだ", "birth_date": "0001-01-01"}, 200, "該当する相談者はいません"),
    ("year 9999", {"q": "やまだ", "birth_date": "9999-12-31"}, 200, "該当する相談者はいません"),
    ("only punctuation", {"q": "！？。、・"}, 200, "該当する相談者はいません"),
    ("a wildcard", {"q": "野%太"}, 200, "該当する相談者はいません"),
    ("a low line", {"q": "_"}, 200, "大野＿太郎"),
]


@pytest.mark.parametrize(
    ("params", "status", "reason"), [c[1:] for c in PAGE_SEARCHES], ids=[c[0] for c in PAGE_SEARCHES]
)
async def test_the_search_page_answers_the_worst_input_with_a_page_that_says_what_to_do(
    world: World, params: dict[str, str | bytes], status: int, reason: str
) -> None:
    api = world.api
    async with _signed_in(api) as browser:
        token = await _csrf(browser)
        before = _logged(api)
        response = await _post_form(browser, token, params)
        assert response.status_code == status, response.text
        _japanese_page(response, reason)
        assert _logged(api) == (before if status != 200 else before + 1)


async def test_a_refused_search_keeps_what_was_typed_in_the_box(world: World) -> None:
    async with _signed_in(world.api) as browser:
        typed = {"q": "やまだ", "birth_date": "2026-02-30", "purpose": "inquiry"}
        response = await _post_form(browser, await _csrf(browser), typed)
    assert response.status_code == 422
    assert 'value="やまだ"' in response.text
    assert 'value="2026-02-30"' in response.text
    assert 'value="inquiry" selected' in response.text
    assert 'aria-invalid="true"' in response.text


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("application/json", b'{"q": "\\ud800", "purpose": "casework"}'),
        ("application/json", b'{"q": "a\\u0000b", "purpose": "casework"}'),
        (
            "multipart/form-data; boundary=x",
            b'--x\r\nContent-Disposition: form-data; name="q"\r\n\r\na\x00b\r\n--x--\r\n',
        ),
    ],
    ids=["JSON surrogate", "JSON NUL", "multipart NUL"],
)
async def test_a_search_sent_in_another_shape_is_refused_before_the_database(
    world: World, content_type: str, body: bytes
) -> None:
    api = world.api
    async with _signed_in(api) as browser:
        before = _logged(api)
        response = await browser.http.post("/people/search", content=body, headers={"Content-Type": content_type})
        assert response.status_code in (403, 415, 422), response.text
        assert response.headers["content-type"].startswith("text/html")
        assert _logged(api) == before


async def test_a_multipart_search_is_refused_even_with_its_csrf_token(world: World) -> None:
    """Only url-encoded forms are checked at the door, and a page's forms are always sent so: a multipart body (which
    would carry a NUL past the check to PostgreSQL) is refused."""
    api = world.api
    async with _signed_in(api) as browser:
        token = await _csrf(browser)
        before = _logged(api)
        fields: dict[str, Any] = {"csrf_token": token, "q": "やま\x00だ", "purpose": "casework"}
        response = await browser.http.post("/people/search", files={k: (None, v) for k, v in fields.items()})
        assert response.status_code == 415, response.text
        _japanese_page(response, "画面のリンクやボタンから操作し直してください")
        assert _logged(api) == before


PAGE_READS: list[tuple[str, str, str, int, str]] = [  # id, user, path, status, reason
    ("path traversal", "sw1", "/people/..%2F..%2Fcases", 404, "見つかりません"),
    ("dot dot", "sw1", "/people/%2E%2E", 404, "見つかりません"),
    ("unknown", "sw1", "/people/0123456789abcdef", 404, "見つかりません"),
    ("10 KB", "sw1", f"/people/{TEN_KB}", 422, "URLの指定に誤り"),
    ("NUL", "sw1", "/people/ab%00cd", 422, "使用できない文字"),
    ("lone surrogate", "sw1", "/people/ab%ED%A0%80", 422, "使用できない文字"),
    ("operations", "ops1", "/people/{person}", 404, "見つかりません"),
    ("administrator", "admin", "/people/{person}", 404, "見つかりません"),
]


@pytest.mark.parametrize(
    ("user", "path", "status", "reason"), [c[1:] for c in PAGE_READS], ids=[c[0] for c in PAGE_READS]
)
async def test_a_person_page_by_an_id_that_is_none_or_for_who_may_not_is_an_error_page(
    world: World, user: str, path: str, status: int, reason: str
) -> None:
    api = world.api
    async with _signed_in(api, user) as browser:
        before = _logged(api)
        response = await browser.http.get(path.replace("{person}", world.person_id))
        assert response.status_code == status, response.text
        _japanese_page(response, reason)
        assert _logged(api) == before


async def test_the_person_page_after_all_that_still_shows_the_person_and_logs_the_read(world: World) -> None:
    api = world.api
    async with _signed_in(api) as browser:
        before = _logged(api)
        response = await browser.get(f"/people/{world.person_id}")
    assert response.status_code == 200, response.text
    assert "山田 花子" in response.text
    assert _logged(api) == before + 1
