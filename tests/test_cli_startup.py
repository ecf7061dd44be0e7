"""The command line starts fast: ``cxloop --help`` and the light commands load typer and rich,
not the analytics stack, and every command is still there."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pytest

HEAVY = (
    "sklearn",
    "scipy",
    "pandas",
    "numpy",
    "pyarrow",
    "ibis",
    "duckdb",
    "splink",
    "plotly",
    "lingua",
    "psycopg",
    "torch",
    "pyspark",
    # not imported by cxloop today; the API to come must not load with the CLI either
    "fastapi",
    "uvicorn",
)
"""Libraries that cost 0.1–2 s to import (`python -X importtime -c "import sklearn"`)."""

COMMANDS = (
    "demo",
    "ingest",
    "rejects",
    "report",
    "metrics",
    "paths",
    "friction",
    "schema",
    "simulate",
    "status",
    "understand",
    "enrich",
    "identity",
    "insights",
    "intents",
    "journeys",
    "profile",
)
"""What ``cxloop --help`` listed before the command modules imported lazily, in its order."""

SUBCOMMANDS = {
    "identity": (
        "link-records",
        "evaluate-records",
        "resolve",
        "explain",
        "split",
        "never-link",
        "evaluate",
    ),
    "insights": (
        "clv",
        "drivers",
        "journeys-vs-touchpoints",
        "value",
        "gaps",
        "topics",
        "segments",
    ),
    "intents": ("train", "evaluate", "discover"),
    "journeys": ("build", "evaluate", "show"),
    "profile": ("show",),
}


def run_cli(*argv: str, then: str = "") -> subprocess.CompletedProcess[str]:
    """Run ``cxloop ARGV`` in a fresh interpreter; then print the heavy modules it imported as
    JSON on stderr's last line."""
    code = (
        "import json, sys\n"
        "from cxloop.cli import main\n"
        "try:\n"
        "    main()\n"
        "except SystemExit:\n"
        "    pass\n"
        f"heavy = [m for m in {HEAVY!r} if m in sys.modules]\n"
        "print(json.dumps(heavy), file=sys.stderr)\n"
    )
    env = {**os.environ, "COLUMNS": "200", "NO_COLOR": "1"}
    return subprocess.run(
        [sys.executable, "-c", code, *argv],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )


def heavy_imported(result: subprocess.CompletedProcess[str]) -> list[str]:
    assert result.stderr.strip(), result
    return list(json.loads(result.stderr.strip().splitlines()[-1]))


def listed_commands(help_text: str) -> list[str]:
    """The command names of a help screen's Commands section (Rich panel or plain Click)."""
    names: list[str] = []
    in_commands = False
    for line in help_text.splitlines():
        if re.match(r"^\W*Commands\b", line):
            in_commands = True
            continue
        if in_commands:
            if not line.strip() or line.startswith("╰"):
                break
            found = re.match(r"^(?:│ |  )([a-z][a-z-]*)\s", line)
            if found:
                names.append(found.group(1))
    return names


def test_building_the_command_tree_imports_no_heavy_library() -> None:
    code = (
        "import json, sys\n"
        "import typer\n"
        "from cxloop.cli import app\n"
        "command = typer.main.get_command(app)\n"
        "assert command.list_commands(None)\n"
        f"print(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True
    )
    assert json.loads(result.stdout) == []


@pytest.mark.parametrize(
    ("argv", "allowed"),
    [
        (("--help",), set()),
        (("ingest", "--help"), set()),
        (("identity", "link-records", "--help"), set()),
        (("insights", "clv", "--help"), set()),
        (("simulate", "--help"), set()),
        (("schema", "--json"), {"numpy", "pyarrow"}),  # the schema is an Arrow schema
    ],
)
def test_help_and_light_commands_import_only_what_they_need(
    argv: tuple[str, ...], allowed: set[str]
) -> None:
    result = run_cli(*argv)
    assert result.returncode == 0, result.stderr
    assert set(heavy_imported(result)) <= allowed


def test_cxloop_help_lists_every_command() -> None:
    result = run_cli("--help")
    assert result.returncode == 0, result.stderr
    assert listed_commands(result.stdout) == list(COMMANDS)


@pytest.mark.parametrize("group", sorted(SUBCOMMANDS))
def test_group_help_lists_every_subcommand(group: str) -> None:
    result = run_cli(group, "--help")
    assert result.returncode == 0, result.stderr
    assert listed_commands(result.stdout) == list(SUBCOMMANDS[group])


def test_the_schema_command_still_prints_the_event_schema() -> None:
    result = run_cli("schema", "--json")
    assert result.returncode == 0, result.stderr
    assert "event_id" in json.loads(result.stdout)["properties"]


def test_help_shows_the_librarys_defaults_and_column_kinds() -> None:
    """--help shows the values the library uses (from the light ``cxloop.defaults``), not
    copies of them."""
    from cxloop.identity import DEFAULT_THRESHOLD, ColumnKind
    from cxloop.simulate import DEFAULT_DAYS

    linking = run_cli("identity", "link-records", "--help")
    simulating = run_cli("simulate", "--help")
    assert linking.returncode == 0 and simulating.returncode == 0
    flat = " ".join(linking.stdout.split())
    assert f"[default: {DEFAULT_THRESHOLD}]" in flat
    words = {word.strip(",.│") for word in linking.stdout.split()}
    assert set(ColumnKind) <= words
    assert f"[default: {DEFAULT_DAYS}]" in " ".join(simulating.stdout.split())
