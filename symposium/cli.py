"""`flask --app symposium ...` commands."""

from pathlib import Path

import click
from flask import Flask, current_app


def register(app: Flask) -> None:
    app.cli.add_command(accreditation_command)

    @app.cli.command("demo")
    @click.option("--paid", is_flag=True, help="The upcoming edition with tickets and invoices.")
    def demo_command(paid: bool):
        """Load the demo editions (2019 and the upcoming one); safe to run again."""
        from symposium import demo

        created = demo.load()
        if created:
            click.echo(f"Demo editions created: {', '.join(created)}")
        else:
            click.echo("Demo editions already present; nothing changed.")
        if paid:
            from symposium.demo.paid import make_paid

            slug = make_paid()
            click.echo(f"Edition {slug} now sells tickets." if slug else "Tickets already there.")
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
        import threading
        from datetime import datetime

        from symposium import worker
        from symposium.documents import service as documents
        from symposium.evaluations.notifications import queue_due_mails as evaluation_mails
        from symposium.orders import online
        from symposium.orders.invoicing import queue_payment_reminders
        from symposium.registration import holds, service

        logging.basicConfig(level=logging.INFO, format="%(asctime)s worker %(message)s")

        def reminders(now: datetime) -> int:
            return service.queue_due_reminders(now, current_app.config["REMINDER_DAYS_BEFORE"])

        jobs = [
            reminders,
            holds.release_unconfirmed,
            # payments whose webhook never came, then places held too long
            # (orders.service.release_expired_holds)
            online.sweep,
            queue_payment_reminders,
            evaluation_mails,
        ]
        stop = worker.StopFlag()
        stop.install()
        if once:
            worker.run(jobs, stop, once=True)
            documents.run_pending()
            return
        # Documents take seconds to minutes; a thread of their own keeps mail flowing.
        threading.Thread(
            target=documents.run_forever,
            args=(current_app._get_current_object(), stop),
            daemon=True,
        ).start()
        worker.run(jobs, stop)

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

    @app.cli.command("purge")
    @click.argument("edition")
    def purge_command(edition: str):
        """Remove the personal data of an edition that has ended; counts, the program,
        session summaries and materials stay. The audit log keeps who ran it and the counts."""
        from symposium import privacy
        from symposium.program.service import edition_by_slug

        found = edition_by_slug(edition, include_drafts=True)
        if found is None:
            raise click.ClickException(f"No edition {edition!r}.")
        try:
            report = privacy.purge_edition(
                found.id, privacy.command_line_actor(), privacy.RAN_BY_COMMAND_LINE
            )
        except privacy.PurgeRefused as error:
            raise click.ClickException(str(error.message)) from error
        done = ", ".join(f"{name} {count}" for name, count in report.counts.items())
        again = " (purged before; nothing new)" if report.again else ""
        click.echo(f"Edition {report.slug}: personal data removed{again}. {done}")

    @app.cli.command("badges")
    @click.argument("edition")
    @click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True)
    @click.option("--sheets", is_flag=True, help="Four badges to an A4 sheet, with cut marks.")
    @click.option("--language", type=click.Choice(["nl", "en"]), default="nl", show_default=True)
    @click.option("--round", "round_id", type=int, help="Only people with a seat in this round.")
    @click.option("--session", "session_id", type=int, help="Only people in this session.")
    @click.option("--not-yet-printed", is_flag=True, help="Only badges not printed before.")
    def badges_command(edition, output, sheets, language, round_id, session_id, not_yet_printed):
        """Badges of an edition's confirmed attendees as one PDF, sorted by last name."""
        from symposium.documents import badges as badge_docs
        from symposium.documents import service as documents
        from symposium.documents.models import DocumentKind
        from symposium.program.service import edition_by_slug

        found = edition_by_slug(edition, include_drafts=True)
        if found is None:
            raise click.ClickException(f"No edition {edition!r}.")
        selection = {
            "round_id": round_id,
            "session_id": session_id,
            "not_yet_printed": not_yet_printed,
        }
        kind = DocumentKind.badge_sheets if sheets else DocumentKind.badges
        count = badge_docs.selected_count(found, badge_docs.BadgeSelection.of(selection))
        if not count:
            raise click.ClickException("Nobody matches: no badges to make.")
        # The rendering processes start (and load WeasyPrint) while the badges are collected.
        with badge_docs.renderers(count, waited_for=True) as renderers:
            content = documents.plan(found, kind, selection, language)
            if not content.items:
                raise click.ClickException("Nobody matches: no badges to make.")
            with click.progressbar(length=len(content.items), label="Badges") as bar:
                shown = 0

                def progress(done: int) -> None:
                    nonlocal shown
                    bar.update(done - shown)
                    shown = done

                pdf = documents.render_plan(
                    content, language, on_progress=progress, renderers=renderers
                )
        output.write_bytes(pdf)
        click.echo(f"{len(content.items)} badges, {len(pdf) // 1024} KiB: {output}")

    @app.cli.command("invoices")
    @click.argument("edition")
    @click.option("--format", "kind", type=click.Choice(["pdf", "ubl"]), default="pdf")
    @click.option("-o", "--output", type=click.Path(file_okay=False, path_type=Path), required=True)
    @click.option("--language", type=click.Choice(["nl", "en"]), default="nl", show_default=True)
    def invoices_command(edition: str, kind: str, output: Path, language: str):
        """Write every invoice and credit note of an edition, as PDF or UBL, into a folder."""
        from symposium.orders import documents, finance
        from symposium.program.service import edition_by_slug

        found = edition_by_slug(edition, include_drafts=True)
        if found is None:
            raise click.ClickException(f"No edition {edition!r}.")
        output.mkdir(parents=True, exist_ok=True)
        written = 0
        for invoice in finance.finance(found.id).documents:
            if kind == "pdf":
                path = output / documents.filename(invoice, "pdf")
                path.write_bytes(documents.invoice_pdf(invoice, language))
            else:
                path = output / documents.filename(invoice, "xml")
                path.write_text(documents.invoice_ubl(invoice), encoding="utf-8")
            written += 1
        click.echo(f"{written} invoices and credit notes written to {output}")

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


@click.command("accreditation")
@click.argument("edition")
@click.option(
    "--register",
    type=click.Choice(["registerplein", "skj", "kwaliteitsregister_vv", "big_gaia", "other"]),
    required=True,
)
@click.option(
    "--format", "kind", type=click.Choice(["pe-xml", "paste", "xlsx", "pdf"]), required=True
)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.option("--language", type=click.Choice(["nl", "en"]), default="nl", show_default=True)
def accreditation_command(edition, register, kind, output, language):
    """An accreditation's report: PE-online's XML or paste list, or the presence list."""
    from symposium.accreditation import service
    from symposium.documents.accreditation import write_report
    from symposium.program.service import edition_by_slug
    from symposium.web.attendee.forms import ROLE_LABELS

    found = edition_by_slug(edition, include_drafts=True)
    if found is None:
        raise click.ClickException(f"No edition {edition!r}.")
    accreditation = next(
        (a for a in service.for_edition(found.id) if a.register.value == register), None
    )
    if accreditation is None:
        raise click.ClickException(f"Edition {edition} has no {register} accreditation.")
    with current_app.test_request_context():
        content = write_report(accreditation, kind, language, ROLE_LABELS)
    output.write_bytes(content)
    click.echo(f"{service.label(accreditation)} {kind}: {output}")
