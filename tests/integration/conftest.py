"""Integration fixtures: real `seclake serve` subprocesses (see server_support.SeclakeServer).

def test_x(seclake_server):            # started; stopped (SIGTERM) after the test
    httpx.get(seclake_server.url + "/readyz")
    seclake_server.admin_token         # all scopes; created in the control DB before start
    seclake_server.kill(); seclake_server.start()   # crash and restart on the same port and data dir

def test_y(server_factory):            # custom settings: SECLAKE_* environment of the server
    server = server_factory(env={"SECLAKE_WRITER_QUEUE_EVENTS": "2000"})
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from server_support import SeclakeServer


@pytest.fixture
def server_factory(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[..., SeclakeServer]]:
    made: list[SeclakeServer] = []

    def make(*, env: dict[str, str] | None = None, start: bool = True) -> SeclakeServer:
        server = SeclakeServer(tmp_path_factory.mktemp("seclake-data"), env=env)
        made.append(server)
        return server.start() if start else server

    yield make
    for server in made:
        try:
            server.stop()
        finally:
            server.kill()


@pytest.fixture
def seclake_server(server_factory: Callable[..., SeclakeServer]) -> SeclakeServer:
    return server_factory()
