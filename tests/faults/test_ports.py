"""The stack's API finds another port when its own is taken between choosing and listening (CI once saw the dev
server's internal bind take it: "address already in use", the test failed before it began)."""

from __future__ import annotations

import socket

import httpx
import pytest

from tests.faults.procs import Stack

pytestmark = [pytest.mark.devserver, pytest.mark.timeout(90)]


async def test_an_api_whose_port_is_taken_while_it_starts_listens_on_another(stack: Stack) -> None:
    await stack.start_server()
    chosen = stack.settings.api_port
    with socket.socket() as squatter:
        squatter.bind((stack.settings.api_host, chosen))
        squatter.listen()
        api = await stack.start_api()
        assert api.starts == 2, "the first start met the taken port and a second one listened"
        assert stack.api_url != f"http://{stack.settings.api_host}:{chosen}"
        async with httpx.AsyncClient(base_url=stack.api_url) as http:
            health = await http.get("/api/health")  # 503 here: no worker polls yet; the answer is our API's
            assert health.status_code in (200, 503)
            assert "temporal" in health.json()
