"""Each request's id and log line (web/core/request_log.py): the id comes back in ``X-Request-ID`` (the caller's
when it is a safe short token), and the lines logged while the request runs carry it and the route's case id."""

from __future__ import annotations

from tests.web.apiharness import Api, json_log_lines, parsed_lines


async def test_a_request_to_a_case_logs_a_json_line_with_its_request_id_and_case_id(api: Api) -> None:
    case_id = await api.open_case("sw1")
    headers = {**(await api.headers("sw1")), "X-Request-ID": "proxy-4f2a.9"}
    with json_log_lines() as stream:
        response = await api.http.get(f"/api/cases/{case_id}", headers=headers)
    assert response.status_code == 200
    assert response.headers["X-Request-ID"] == "proxy-4f2a.9"
    [line] = [line for line in parsed_lines(stream) if line["logger"] == "yorisoi.request"]
    assert line["request_id"] == "proxy-4f2a.9"
    assert line["case_id"] == case_id
    assert (line["route"], line["method"], line["status"]) == ("/api/cases/{case_id}", "GET", 200)
    assert line["level"] == "INFO"
    assert line["time"].endswith("+00:00")
    assert case_id not in line["message"]  # the route's template, never the path


async def test_every_answer_carries_a_request_id_even_without_one_asked(api: Api) -> None:
    first, second = (await api.http.get("/api/health"), await api.http.get("/login"))
    ids = {first.headers["X-Request-ID"], second.headers["X-Request-ID"]}
    assert len(ids) == 2
    assert all(len(found) == 32 for found in ids)


async def test_an_unsafe_incoming_request_id_is_replaced(api: Api) -> None:
    for asked in ("x" * 65, "abc\ndef", "abc def", "名前", ""):
        with json_log_lines() as stream:
            response = await api.http.get("/api/health", headers=[(b"X-Request-ID", asked.encode())])
        given = response.headers["X-Request-ID"]
        assert given != asked
        assert len(given) == 32
        assert [line["request_id"] for line in parsed_lines(stream) if line["logger"] == "yorisoi.request"] == [given]
