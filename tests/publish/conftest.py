"""Fixtures of the portal's tests: Ciudad Demo built once per session, its portal app, and a
live server on a free loopback port for the browser tests."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
import warnings
from pathlib import Path

import pytest

warnings.filterwarnings("ignore", message=".*httpx.*", category=DeprecationWarning)

ANALYST = ("ana", "una-contraseña-larga")
REVIEWER = ("rita", "otra-contraseña-larga")


@pytest.fixture(scope="session")
def demo_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from sereno.demo.build import build_demo

    directory = tmp_path_factory.mktemp("portal") / "demo"
    build_demo(directory, seed=7)
    from sereno.records.accounts import create_account
    from sereno.store import Observatory

    with Observatory.open(directory) as obs:
        create_account(obs, *ANALYST, "analyst")
        create_account(obs, *REVIEWER, "reviewer")
    return directory


@pytest.fixture(scope="session")
def app(demo_dir: Path):
    from sereno.publish.app import create_app

    application = create_app(demo_dir)
    yield application
    application.state.portal.obs.close()


@pytest.fixture(scope="session")
def client(app):
    from fastapi.testclient import TestClient

    return TestClient(app)


def sign_in(client, username: str, password: str) -> None:
    """Sign ``client`` in through the login form (with its CSRF cookie)."""
    import re

    form = client.get("/login").text
    token = re.search(r'name="csrf" value="([^"]+)"', form).group(1)
    response = client.post(
        "/login",
        data={"username": username, "password": password, "csrf": token, "next": "/workspace"},
        follow_redirects=False,
    )
    assert response.status_code == 303 and response.headers["location"] == "/workspace"


@contextlib.contextmanager
def serving(application):
    """``application`` served by uvicorn on a free loopback port; yields its base URL."""
    import uvicorn

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    config = uvicorn.Config(application, host="127.0.0.1", port=port, log_level="error")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    for _ in range(200):
        if server.started:
            break
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="session")
def live_server(app):
    with serving(app) as url:
        yield url
