"""What the browser tests share: Debian's chromium (never a downloaded build), a live server in
a thread, and the launch flags the sandboxed CI machine needs."""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
import uvicorn

from ownerguard.app import create_app

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
               "--disable-background-networking"]


def require_chromium():
    """Skip the module without chromium (CI must have it: .ci/run installs it); return
    Playwright's sync API."""
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            raise RuntimeError("CI needs Debian's chromium (.ci/run installs it)")
        pytest.skip("chromium is not installed (apt-get install chromium fonts-wqy-microhei)",
                    allow_module_level=True)
    return pytest.importorskip("playwright.sync_api")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def live_server(rt):
    """The app on a free local port, served by uvicorn in a thread; yields the base URL."""
    port = _free_port()
    srv = uvicorn.Server(uvicorn.Config(create_app(rt), host="127.0.0.1", port=port,
                                       log_level="warning", access_log=False))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.time() + 20
    while not srv.started and time.time() < deadline:
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        srv.should_exit = True
        thread.join(timeout=10)


def launch(pw):
    return pw.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
