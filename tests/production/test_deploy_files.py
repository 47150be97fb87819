"""The Procfile and the sample systemd units start exactly the commands the production tests run."""

from __future__ import annotations

import configparser
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _procfile() -> dict[str, str]:
    lines = (ROOT / "Procfile").read_text().splitlines()
    return dict(line.split(": ", 1) for line in lines if line and not line.startswith("#"))


def _exec_start(unit: str) -> str:
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    parser.optionxform = str
    parser.read(ROOT / "deploy" / unit)
    return parser["Service"]["ExecStart"]


def test_procfile_names_the_tested_processes():
    procs = _procfile()
    assert set(procs) == {"release", "web", "worker"}
    assert procs["release"] == "flask --app wsgi db upgrade"
    assert procs["web"].startswith("gunicorn --workers") and procs["web"].endswith(" wsgi:app")
    assert procs["worker"] == "flask --app wsgi forum worker"


def test_systemd_units_run_the_same_commands():
    assert _exec_start("forum-web.service").endswith(
        "/.venv/bin/gunicorn --workers 4 --bind 127.0.0.1:8000 --timeout 60 wsgi:app"
    )
    assert _exec_start("forum-worker@.service").endswith("/.venv/bin/flask --app wsgi forum worker")
    env = (ROOT / "deploy" / "forum.env.example").read_text()
    for name in ("FORUM_DATABASE_URL", "FORUM_REDIS_URL", "FORUM_SECRET_KEY", "FORUM_LOG_JSON"):
        assert f"{name}=" in env
