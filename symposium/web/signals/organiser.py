"""The organisers' signal pages: an edition's themes, settings and signals (moderation, CSV,
publishing the harvest), and the regional agenda's items with their history."""

from datetime import datetime, time
from zoneinfo import ZoneInfo

from flask import Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from symposium.i18n import current_language, parse_date
from symposium.program.service import all_editions
from symposium.registration import exports
from symposium.signals import agenda, harvest, publishing, rapporteurs, service
from symposium.signals.labels import AGENDA_STATUSES, KINDS, PERSPECTIVES, SOURCES
from symposium.signals.models import SignalStatus
from symposium.web.access import current_actor
from symposium.web.common import edition_or_404, found_or_404
from symposium.web.organiser.blueprint import organiser_blueprint

bp = organiser_blueprint("organiser_signals", __name__)


def _edition_page(edition, errors=None, themes_text=None):
    themes = service.themes_of(edition.id)
    settings = service.settings_of(edition.id)
    return render_template(
        "signals/organiser_edition.html",
        edition=edition,
        themes_text=themes_text
        if themes_text is not None
        else "\n".join(f"{t.title} | {t.title_en}" if t.title_en else t.title for t in themes),
        settings=settings,
        afterwards_day=settings.afterwards_until.astimezone(ZoneInfo(edition.timezone))
        .date()
        .isoformat()
        if settings.afterwards_until
        else "",
        signals=service.for_edition(edition.id),
        errors=errors or {},
        kinds=KINDS,
        perspectives=PERSPECTIVES,
        sources=SOURCES,
    )


@bp.route("/<slug>/signals")
def signals(slug: str):
    """Themes, settings and every signal of the edition."""
    return _edition_page(edition_or_404(slug, include_drafts=True))


@bp.route("/<slug>/signals/themes", methods=["POST"])
def themes(slug: str):
    """Save the edition's list of themes."""
    edition = edition_or_404(slug, include_drafts=True)
    typed = request.form.get("themes", "")
    try:
        service.set_themes(edition.id, typed, current_actor())
    except service.SignalError as error:
        return _edition_page(edition, error.errors, typed)
    flash(_("The themes have been saved."), "success")
    return redirect(url_for(".signals", slug=slug))


@bp.route("/<slug>/signals/settings", methods=["POST"])
def settings(slug: str):
    """Whether sign-up asks for a signal; until when the afterwards form is open."""
    edition = edition_or_404(slug, include_drafts=True)
    typed = request.form.get("afterwards_until", "").strip()
    until = None
    if typed:
        day = parse_date(typed)
        if day is None:
            return _edition_page(
                edition, {"afterwards_until": [_("Enter the date as 2027-12-31.")]}
            )
        until = datetime.combine(day, time(23, 59), ZoneInfo(edition.timezone))
    service.save_settings(
        edition.id, request.form.get("ask_at_sign_up") == "y", until, current_actor()
    )
    flash(_("The settings have been saved."), "success")
    return redirect(url_for(".signals", slug=slug))


@bp.route("/<slug>/signals/<int:signal_id>/moderate", methods=["POST"])
def moderate(slug: str, signal_id: int):
    """Approve or reject a signal of any source."""
    edition = edition_or_404(slug, include_drafts=True)
    approve = request.form.get("decision") == "approve"
    try:
        service.moderate(signal_id, approve, current_actor())
    except service.SignalError as error:
        flash(error.message, "error")
    return redirect(url_for(".signals", slug=edition.slug, _anchor=f"signal-{signal_id}"))


@bp.route("/<slug>/signals.csv")
def signals_csv(slug: str):
    """Every signal of the edition as CSV."""
    edition = edition_or_404(slug, include_drafts=True)
    delimiter = ";" if current_language() == "nl" else ","
    return Response(
        exports.write_csv(harvest.table(edition.id), delimiter),
        mimetype=exports.CSV_TYPE,
        headers={
            "Content-Disposition": f'attachment; filename="signals-{edition.slug}.csv"',
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "no-store",
        },
    )


@bp.route("/<slug>/signals/publish", methods=["GET", "POST"])
def publish(slug: str):
    """Publish the harvest and mail the attendees who asked for it; asked once more first."""
    edition = edition_or_404(slug, include_drafts=True)
    if request.method == "POST":
        mailed = publishing.publish_harvest(edition.id, current_actor())
        flash(
            _("The harvest is published; %(num)d attendees will get a mail.", num=mailed),
            "success",
        )
        return redirect(url_for(".signals", slug=slug))
    return render_template(
        "signals/organiser_publish.html",
        edition=edition,
        harvest=harvest.harvest(edition),
        settings=service.settings_of(edition.id),
    )


# -- the regional agenda -----------------------------------------------------------------


def _ids(name: str) -> list[int]:
    return [int(v) for v in request.form.getlist(name) if v.isdigit()]


def _item_data() -> agenda.ItemData:
    form = request.form
    return agenda.ItemData(
        title=form.get("title", ""),
        title_en=form.get("title_en", ""),
        rationale=form.get("rationale", ""),
        partners=form.get("partners", ""),
        status=form.get("status", ""),
        theme_ids=_ids("themes"),
        signal_ids=_ids("signals"),
        session_ids=_ids("sessions"),
    )


def _data_of(item) -> agenda.ItemData:
    if item is None:
        return agenda.ItemData()
    return agenda.ItemData(
        title=item.title,
        title_en=item.title_en,
        rationale=item.rationale,
        partners=item.partners,
        status=item.status.value,
        theme_ids=[t.id for t in item.themes],
        signal_ids=[s.id for s in item.signals],
        session_ids=[s.id for s in item.sessions],
    )


def _item_page(item, data: agenda.ItemData, errors: dict):
    editions = all_editions()
    return render_template(
        "signals/organiser_item.html",
        item=item,
        data=data,
        errors=errors,
        statuses=AGENDA_STATUSES,
        editions=editions,
        themes={e.id: service.themes_of(e.id) for e in editions},
        signals={e.id: service.for_edition(e.id, SignalStatus.approved) for e in editions},
        perspectives=PERSPECTIVES,
        timeline=agenda.timeline(item) if item is not None else [],
    )


@bp.route("/agenda")
def agenda_items():
    """Every item of the regional agenda."""
    return render_template(
        "signals/organiser_agenda.html",
        items=agenda.all_items(),
        statuses=AGENDA_STATUSES,
        signal_count=harvest.signal_count,
    )


@bp.route("/agenda/new", methods=["GET", "POST"])
@bp.route("/agenda/<int:item_id>", methods=["GET", "POST"])
def agenda_item(item_id: int | None = None):
    """Make or change an agenda item: its text, status, themes, signals and sessions."""
    item = found_or_404(agenda.item(item_id)) if item_id is not None else None
    if request.method == "POST":
        data = _item_data()
        try:
            saved = agenda.save_item(item_id, data, current_actor())
        except service.SignalError as error:
            return _item_page(item, data, error.errors)
        flash(_("The agenda item has been saved."), "success")
        return redirect(url_for(".agenda_item", item_id=saved.id))
    return _item_page(item, _data_of(item), {})


@bp.route("/agenda/<int:item_id>/follow-ups", methods=["POST"])
def follow_up(item_id: int):
    """Add a step to the item's history."""
    item = found_or_404(agenda.item(item_id))
    form = request.form
    try:
        agenda.add_follow_up(
            item.id,
            parse_date(form.get("happened_on", "")),
            form.get("text", ""),
            form.get("status", ""),
            current_actor(),
        )
    except service.SignalError as error:
        return _item_page(item, _data_of(item), error.errors)
    flash(_("The step has been added to the history."), "success")
    return redirect(url_for(".agenda_item", item_id=item.id, _anchor="history"))


@bp.route("/<slug>/signals/rapporteurs", methods=["GET", "POST"])
def rapporteur_list(slug: str):
    """A rapporteur per session: invite someone by mail."""
    edition = edition_or_404(slug, include_drafts=True)
    errors: dict = {}
    if request.method == "POST":
        form = request.form
        try:
            session_id = int(form.get("session", ""))
        except ValueError:
            errors = {"session": [_("Choose a session.")]}
        else:
            try:
                rapporteurs.invite(
                    session_id,
                    form.get("name", ""),
                    form.get("email", ""),
                    form.get("locale", "nl"),
                    current_actor(),
                )
            except service.SignalError as error:
                errors = error.errors
            else:
                flash(_("The invitation is on its way."), "success")
                return redirect(url_for(".rapporteur_list", slug=slug))
    return render_template(
        "signals/organiser_rapporteurs.html",
        edition=edition,
        harvests={s.id: rapporteurs.harvest_of(s.id) for s in edition.sessions},
        errors=errors,
        typed=request.form,
    )
