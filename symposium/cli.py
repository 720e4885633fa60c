"""`flask --app symposium ...` commands."""

from pathlib import Path

import click
from flask import Flask, current_app


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
        password = demo.demo_organiser()
        if password:
            click.echo(
                f"Organiser account for the demo: {demo.DEMO_ORGANISER}, password {password} "
                "(sign in at /sign-in; shown only this once)"
            )

    @app.cli.command("worker")
    @click.option("--once", is_flag=True, help="Deliver what is due now, then stop.")
    def worker_command(once: bool):
        """Deliver the outbox over SMTP and queue reminders when they fall due."""
        import logging
        from datetime import datetime

        from symposium.mail import worker
        from symposium.registration import service

        logging.basicConfig(level=logging.INFO, format="%(asctime)s worker %(message)s")

        def reminders(now: datetime) -> int:
            return service.queue_due_reminders(now, current_app.config["REMINDER_DAYS_BEFORE"])

        stop = worker.StopFlag()
        stop.install()
        worker.run([reminders], stop, once=once)

    @app.cli.command("mail-catcher")
    @click.option("--host", default="127.0.0.1", show_default=True)
    @click.option("--port", default=1025, show_default=True)
    @click.option(
        "--directory",
        type=click.Path(path_type=Path),
        default=None,
        help="Where to keep messages [default: instance/mail].",
    )
    def mail_catcher_command(host: str, port: int, directory: Path | None):
        """Receive mail locally and keep each message as a .eml file."""
        from symposium.mail.catcher import serve

        serve(host, port, directory or Path(current_app.instance_path) / "mail")

    @app.cli.command("allocate")
    @click.argument("edition")
    @click.option(
        "--commit",
        is_flag=True,
        help="Assign the seats, mail everyone and go over to first come, first served.",
    )
    def allocate_command(edition: str, commit: bool):
        """Share out the seats of a ranked edition: a preview, or for real with --commit."""
        from symposium.allocation import service
        from symposium.audit.service import Actor
        from symposium.program.service import edition_by_slug

        found = edition_by_slug(edition, include_drafts=True)
        if found is None:
            raise click.ClickException(f"No edition {edition!r}.")
        try:
            if commit:
                outcome = service.commit(found.id, Actor(None, "flask allocate"))
            else:
                outcome = service.preview(found.id)
        except service.AllocationError as error:
            raise click.ClickException(str(error.message)) from error
        click.echo(
            f"Edition {edition}: {outcome.people} people, {outcome.rankings} rankings "
            f"(one per person and round), seed {outcome.seed}"
        )
        for rank, label in ((1, "first choice"), (2, "second choice"), (3, "third choice")):
            click.echo(f"  {label:<14} {outcome.by_rank[rank]:>6}  {outcome.share(rank):5.1f}%")
        click.echo(f"  {'none':<14} {outcome.none:>6}  {outcome.share(0):5.1f}%")
        click.echo("Per session: seats given / seats to share out (first choices)")
        for item in outcome.fill:
            click.echo(
                f"  {item.given:>4} / {item.seats:<4} ({item.first:>4})  {item.session.title}"
            )
        if commit:
            click.echo(
                f"Seats assigned; {outcome.mailed} mails queued. The seats left now go "
                "first come, first served."
            )
        else:
            click.echo(
                "Preview only: nothing was saved. Run again with --commit to assign the seats."
            )

    @app.cli.command("create-organiser")
    @click.argument("email")
    @click.option("--name", default="", help="The organiser's name.")
    def create_organiser_command(email: str, name: str):
        """Create an organiser account; asks for the password twice."""
        from symposium.accounts import service

        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
        try:
            user = service.create_organiser(email, name, password)
        except service.AccountError as error:
            raise click.ClickException(str(error.message)) from error
        click.echo(f"Organiser {user.email} created.")
