"""Docs stay true: every command is in the CLI reference, every linked doc exists, the README's
commands are Makefile targets, every benchmark writes its result where performance.md says."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))

from gen_cli_docs import walk  # noqa: E402


def command_paths() -> list[str]:
    import typer

    from cxloop.cli import app

    return [" ".join(path) for path, _ in walk(typer.main.get_command(app), [])]


@pytest.mark.parametrize("command", command_paths())
def test_every_command_is_in_the_cli_reference(command: str) -> None:
    reference = (ROOT / "docs" / "cli.md").read_text()
    assert f"`cxloop {command}`" in reference, (
        f"cxloop {command} is missing from docs/cli.md: run python tools/gen_cli_docs.py"
    )


def test_the_cli_reference_has_no_commands_that_are_gone() -> None:
    reference = (ROOT / "docs" / "cli.md").read_text()
    documented = set(re.findall(r"^## `cxloop ([^`]+)`", reference, flags=re.M))
    assert documented == set(command_paths())


def test_every_doc_the_readme_links_exists() -> None:
    readme = (ROOT / "README.md").read_text()
    links = re.findall(r"\]\((docs/[^)]+)\)", readme)
    assert links
    for link in links:
        assert (ROOT / link).is_file(), link


def test_the_readme_commands_are_makefile_targets() -> None:
    readme = (ROOT / "README.md").read_text()
    makefile = (ROOT / "Makefile").read_text()
    for target in set(re.findall(r"make ([a-z][a-z-]+)", readme)):
        assert re.search(rf"^{target}:", makefile, flags=re.M), target
    assert "make demo" in readme and "make test" in readme


def test_every_benchmark_is_in_the_performance_doc() -> None:
    performance = (ROOT / "docs" / "performance.md").read_text()
    for script in sorted((ROOT / "benchmarks").glob("bench_*.py")):
        assert f"benchmarks/{script.name}" in performance, script.name
