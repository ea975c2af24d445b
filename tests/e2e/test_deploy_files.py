"""The deployment files, kept honest without a Docker engine: what they run must exist and work.

The Dockerfile and compose.yaml are read as data; every command, setting and
path they name is checked against the code, and the commands are run here.
"""

from __future__ import annotations

import asyncio
import json
import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from bot.cli import build_parser
from bot.settings import Settings
from conversations.i18n import SUPPORTED_LOCALES, load_translations
from tests.e2e.conftest import free_port

ROOT = Path(__file__).parents[2]


def dockerfile() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined."""
    joined = ROOT.joinpath("Dockerfile").read_text().replace("\\\n", " ")
    out = []
    for line in joined.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            instruction, _, rest = line.partition(" ")
            out.append((instruction.upper(), rest.strip()))
    return out


def final_stage() -> list[tuple[str, str]]:
    steps = dockerfile()
    last_from = max(i for i, (ins, _) in enumerate(steps) if ins == "FROM")
    return steps[last_from:]


def test_the_image_runs_as_a_user_and_starts_slotbot():
    stage = dict(final_stage())
    assert stage["USER"] not in ("root", "0")
    assert json.loads(stage["ENTRYPOINT"]) == ["slotbot"]
    assert 'slotbot = "bot.cli:main"' in ROOT.joinpath("pyproject.toml").read_text()
    build_parser().parse_args(json.loads(stage["CMD"]))  # the default command exists


def test_every_package_and_the_catalogs_are_copied_into_the_image():
    copied = {rest.split()[0] for ins, rest in dockerfile() if ins == "COPY" and not rest.startswith("--from")}
    pyproject = ROOT.joinpath("pyproject.toml").read_text()
    listed = pyproject.split("\npackages = [")[1].split("]")[0].split(", ")
    packages = {p.strip('"').split(".")[0] for p in listed}  # the top-level ones
    assert packages | {"locales", "pyproject.toml"} <= copied | {"pyproject.toml"}
    env = " ".join(rest for ins, rest in final_stage() if ins == "ENV")
    locales_dir = env.split("SLOTBOT_LOCALES_DIR=")[1].split()[0]
    assert any(ins == "COPY" and rest.endswith(" " + locales_dir) for ins, rest in final_stage())


def test_the_catalog_compile_step_of_the_image_works_and_its_output_is_used(tmp_path):
    (run,) = [rest for ins, rest in dockerfile() if ins == "RUN" and "babel" in rest]
    words = shlex.split(run.split("&&")[1])
    while "=" in words[0]:  # environment assignments before the command
        words.pop(0)
    assert words[0] == "python"
    arguments = words[1:]
    shutil.copytree(ROOT / "locales", tmp_path / "locales")
    subprocess.run([sys.executable, *arguments], cwd=tmp_path, check=True, capture_output=True)
    for locale in SUPPORTED_LOCALES:
        assert (tmp_path / "locales" / locale / "LC_MESSAGES" / "messages.mo").is_file()
        (tmp_path / "locales" / locale / "LC_MESSAGES" / "messages.po").unlink()  # only the .mo left
    assert load_translations("ru", tmp_path / "locales").gettext("Back") == "Назад"


def test_the_healthcheck_command_exists_and_uses_the_exposed_port():
    stage = final_stage()
    (healthcheck,) = [rest for ins, rest in stage if ins == "HEALTHCHECK"]
    command = json.loads(healthcheck.split("CMD", 1)[1])
    assert command[0] == "slotbot"
    build_parser().parse_args(command[1:])
    (exposed,) = [rest for ins, rest in stage if ins == "EXPOSE"]
    env = " ".join(rest for ins, rest in stage if ins == "ENV")
    assert f"SLOTBOT_HTTP_PORT={exposed}" in env


def test_compose_runs_a_real_command_with_real_settings():
    compose = yaml.safe_load(ROOT.joinpath("compose.yaml").read_text())
    bot = compose["services"]["bot"]
    args = build_parser().parse_args(bot["command"])
    assert args.webhook and args.workers == 2
    known = {f"SLOTBOT_{name.upper()}" for name in Settings.model_fields}
    assert set(bot["environment"]) <= known
    assert bot["environment"]["SLOTBOT_DATABASE_URL"].startswith("postgresql://")
    assert bot["depends_on"]["db"]["condition"] == "service_healthy"
    assert bot["ports"] == ["8080:8080"]
    for value in bot["environment"].values():
        assert "${" in value or value in ("json", "text")  # secrets come from the environment



@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_the_health_command_says_healthy_and_unhealthy(engine, database_url):
    from bot.http_server import http_app, start_http

    port = free_port()
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("SLOTBOT_")}, "SLOTBOT_HTTP_PORT": str(port)}

    async def health() -> subprocess.CompletedProcess[str]:
        return await asyncio.to_thread(
            subprocess.run, [sys.executable, "-m", "bot", "health"], env=env, capture_output=True, text=True,
            timeout=30,
        )

    runner = await start_http(http_app(engine), "127.0.0.1", port)
    try:
        healthy = await health()
    finally:
        await runner.cleanup()
    unhealthy = await health()
    assert healthy.returncode == 0 and json.loads(healthy.stdout)["status"] == "ok"
    assert unhealthy.returncode == 1 and unhealthy.stderr.count("\n") == 1 and "unhealthy" in unhealthy.stderr
