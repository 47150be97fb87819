"""The abstractive labeller's HTTP client against a fake OpenAI-compatible server on 127.0.0.1."""

from __future__ import annotations

import contextlib
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from forum.analysis.labeller import NullLabeller
from forum.services.labelling import ChatLabeller, make_labeller

FALLBACK = "Bus lanes would speed up commuting."


class _Handler(BaseHTTPRequestHandler):
    def do_POST(self):  # noqa: N802 (http.server API)
        server = self.server
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        server.requests.append({"path": self.path, "body": body, "auth": self.headers.get("Authorization")})
        mode = server.mode
        if mode == "slow":
            time.sleep(1.0)
        if mode == "error":
            self.send_response(500)
            self.end_headers()
            self.wfile.write(b"boom")
            return
        payload = {
            "ok": json.dumps({"choices": [{"message": {"role": "assistant", "content": server.answer}}]}),
            "malformed": "{not json",
            "shape": json.dumps({"choices": []}),
            "slow": json.dumps({"choices": [{"message": {"content": "late"}}]}),
        }[mode]
        data = payload.encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # the client gave up (timeout)
            self.wfile.write(data)

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    httpd.daemon_threads = True
    httpd.mode, httpd.answer, httpd.requests = "ok", '"Headline: More bus lanes would cut commute times."', []
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()
    thread.join(timeout=5)


def _labeller(server, timeout=2.0):
    host, port = server.server_address
    return ChatLabeller(f"http://{host}:{port}/v1/", api_key="secret", model="test-model", timeout=timeout)


QUOTES = ["More bus lanes, please.", "Buses stuck in traffic waste everyone's time."]


def test_success_cleans_the_answer_and_sends_a_proper_request(server):
    assert (
        _labeller(server).label(QUOTES, ["bus lanes"], FALLBACK) == "More bus lanes would cut commute times."
    )
    [req] = server.requests
    assert req["path"] == "/v1/chat/completions" and req["auth"] == "Bearer secret"
    assert req["body"]["model"] == "test-model"
    assert "More bus lanes, please." in req["body"]["messages"][-1]["content"]
    assert "bus lanes" in req["body"]["messages"][-1]["content"]


@pytest.mark.parametrize("mode", ["error", "malformed", "shape"])
def test_falls_back_on_bad_responses(server, mode, caplog):
    server.mode = mode
    assert _labeller(server).label(QUOTES, [], FALLBACK) == FALLBACK
    assert "labeller failed" in caplog.text


def test_falls_back_on_empty_or_overlong_answers(server):
    server.answer = "   "
    assert _labeller(server).label(QUOTES, [], FALLBACK) == FALLBACK
    server.answer = "word " * 100
    assert _labeller(server).label(QUOTES, [], FALLBACK) == FALLBACK


def test_falls_back_on_timeout(server):
    server.mode = "slow"
    started = time.monotonic()
    assert _labeller(server, timeout=0.2).label(QUOTES, [], FALLBACK) == FALLBACK
    assert time.monotonic() - started < 0.9


def test_falls_back_when_nothing_listens():
    labeller = ChatLabeller("http://127.0.0.1:9/v1", api_key="", model="m", timeout=0.5)
    assert labeller.label(QUOTES, [], FALLBACK) == FALLBACK


def test_off_by_default():
    assert isinstance(make_labeller(None), NullLabeller)
    assert make_labeller("", model="m").label(QUOTES, [], FALLBACK) == FALLBACK
    assert isinstance(make_labeller("http://127.0.0.1:1/v1", model="m"), ChatLabeller)
