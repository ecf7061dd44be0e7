"""The demo's report server answers over real HTTP on loopback."""

from __future__ import annotations

import threading
from pathlib import Path

import httpx

from cxloop.commands.demo import report_server


def test_report_server_serves_the_report_at_the_root(tmp_path: Path) -> None:
    (tmp_path / "report.html").write_text("<h1>cxloop insight report</h1>")
    (tmp_path / "secret.duckdb").write_bytes(b"x")
    server = report_server(tmp_path, "report.html", 0)
    port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        root = httpx.get(f"http://127.0.0.1:{port}/", timeout=5)
        missing = httpx.get(f"http://127.0.0.1:{port}/nope.html", timeout=5)
        escape = httpx.get(f"http://127.0.0.1:{port}/../../etc/passwd", timeout=5)
    finally:
        server.shutdown()
        server.server_close()
    assert root.status_code == 200
    assert "cxloop insight report" in root.text
    assert missing.status_code == 404
    assert escape.status_code == 404
