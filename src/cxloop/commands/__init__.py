"""CLI command groups. Each module here defines ``register(app: typer.Typer) -> None``.

``cxloop.cli`` discovers the modules of this package and calls ``register`` on each, so a new
capability adds its commands by adding one module, without editing a shared file.
"""
