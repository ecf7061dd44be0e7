"""``cxloop`` — the command line (Typer + Rich).

Commands live in :mod:`cxloop.commands`; every module there registers its own commands.
"""

from __future__ import annotations

import importlib
import pkgutil

import typer

import cxloop.commands

app = typer.Typer(
    name="cxloop",
    help="Close the customer-experience loop: listen, know who, understand, see journeys, learn.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,
)


def _register_commands() -> None:
    for module_info in sorted(pkgutil.iter_modules(cxloop.commands.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"cxloop.commands.{module_info.name}")
        register = getattr(module, "register", None)
        if callable(register):
            register(app)


_register_commands()


def main() -> None:
    """Entry point of the ``cxloop`` console script."""
    app()


if __name__ == "__main__":
    main()
