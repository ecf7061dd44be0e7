"""CLI command groups. Each module here defines ``register(app: typer.Typer) -> None``.

``cxloop.cli`` discovers the modules of this package and calls ``register`` on each, so a new
capability adds its commands by adding one module, without editing a shared file.

Every ``cxloop`` run, ``--help`` included, imports all of these modules, so at module level they
import only typer, rich, each other and ``cxloop.defaults``; a command imports the library it runs
(pandas, ibis, scikit-learn, Splink, ...) inside its function. ``tests/test_cli_startup.py`` holds
them to it.
"""
