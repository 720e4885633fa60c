"""`flask --app symposium ...` commands."""

import click
from flask import Flask


def register(app: Flask) -> None:
    @app.cli.command("demo")
    def demo_command():
        """Load the demo editions (2019 and the upcoming one); safe to run again."""
        from symposium import demo

        created = demo.load()
        if created:
            click.echo(f"Demo editions created: {', '.join(created)}")
        else:
            click.echo("Demo editions already present; nothing changed.")
