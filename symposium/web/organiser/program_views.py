"""The organisers' pages for the program: editions, rounds, sessions and speakers."""

from dataclasses import asdict

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from symposium import program_editing
from symposium.program.models import Edition, EditionStatus, SessionKind
from symposium.web.access import current_actor
from symposium.web.common import edition_or_404, found_or_404
from symposium.web.organiser.blueprint import organiser_blueprint
from symposium.web.organiser.program_forms import (
    CopyForm,
    DeleteForm,
    EditionForm,
    PersonForm,
    RoomForm,
    RoundForm,
    SessionForm,
)

bp = organiser_blueprint("organiser_program", __name__)


def _form(form_class, values=None):
    """A form showing stored values; on a POST, only what was posted."""
    posted = request.method == "POST"
    return form_class(data=None if posted or values is None else asdict(values))


# -- editions --------------------------------------------------------------------------


@bp.route("/editions/new", methods=["GET", "POST"])
def new_edition():
    """A new edition, saved as a draft."""
    form = _form(EditionForm, program_editing.EditionData())
    errors: dict = {}
    if form.validate_on_submit():
        try:
            edition = program_editing.create_edition(form.to_data(), current_actor())
        except program_editing.InvalidProgram as error:
            errors = error.errors
            form.attach(errors)
        else:
            flash(_("The edition is saved as a draft."), "success")
            return redirect(url_for(".edition", slug=edition.slug))
    return render_template(
        "organiser/program/edition_form.html", form=form, errors=errors, edition=None
    )


@bp.route("/<slug>/program")
def edition(slug: str):
    """An edition's program as organisers work on it: rounds, sessions, seats, actions."""
    found = edition_or_404(slug, include_drafts=True)
    return render_template(
        "organiser/program/edition.html",
        edition=found,
        overview=program_editing.overview(found),
        clashes=program_editing.find_clashes(found),
        statuses=EditionStatus,
    )


@bp.route("/<slug>/edit", methods=["GET", "POST"])
def edit_edition(slug: str):
    """Change an edition's title, dates, venue and registration window."""
    current = edition_or_404(slug, include_drafts=True)
    form = _form(EditionForm, program_editing.edition_values(current))
    errors: dict = {}
    move = None
    if form.validate_on_submit():
        try:
            saved = program_editing.update_edition(current.id, form.to_data(), current_actor())
        except program_editing.DateMoveUnconfirmed as asked:
            move = asked.move  # the confirmation step: the same form, sent once more
            form.confirm_move.data = move.token
        except program_editing.InvalidProgram as error:
            errors = error.errors
            form.attach(errors)
        else:
            flash(_("The edition is saved."), "success")
            if saved.moved is not None:
                moved = _("The program moved along.") + " "
                moved += program_editing.move_text(saved.moved)
                if saved.moved.people:
                    moved += " " + program_editing.mailed_text(saved.moved)
                flash(moved, "success")
            return redirect(url_for(".edition", slug=saved.edition.slug))
    return render_template(
        "organiser/program/edition_form.html",
        form=form,
        errors=errors,
        edition=current,
        move=move,
        move_text=program_editing.move_text(move) if move else "",
    )


def _set_status(slug: str, status: EditionStatus, done: str):
    current = edition_or_404(slug, include_drafts=True)
    try:
        program_editing.set_status(current.id, status, current_actor())
    except program_editing.ProgramError as error:
        flash(str(error.message), "error")
    else:
        flash(done, "success")
    return redirect(url_for(".edition", slug=slug))


@bp.post("/<slug>/publish")
def publish(slug: str):
    """Make the edition public: people see its program and can sign up while it is open."""
    return _set_status(slug, EditionStatus.published, _("The edition is published."))


@bp.post("/<slug>/archive")
def archive(slug: str):
    """Archive an edition that is over: its program stays readable, sign-up closes."""
    return _set_status(slug, EditionStatus.archived, _("The edition is archived."))


@bp.route("/<slug>/copy", methods=["GET", "POST"])
def copy_edition(slug: str):
    """Start next year's edition from this one: same program, dates a year on."""
    source = edition_or_404(slug, include_drafts=True)
    form = _form(CopyForm, program_editing.copy_suggestion(source))
    errors: dict = {}
    moved = program_editing.move_text(program_editing.copy_move(source))
    if form.validate_on_submit():
        try:
            copy = program_editing.copy_edition(source.id, form.to_data(), current_actor())
        except program_editing.InvalidProgram as error:
            errors = error.errors
            form.attach(errors)
        else:
            flash(_("The new edition is saved as a draft. Check its dates and texts."), "success")
            flash(_("Every date moved to the same weekday.") + " " + moved, "success")
            return redirect(url_for(".edition", slug=copy.slug))
    return render_template(
        "organiser/program/copy.html",
        form=form,
        errors=errors,
        edition=source,
        move_text=moved,
    )


# -- rooms -----------------------------------------------------------------------------


@bp.route("/<slug>/rooms", methods=["GET", "POST"])
def rooms(slug: str):
    """The venue's rooms for this edition, and a form to add one."""
    current = edition_or_404(slug, include_drafts=True)
    form = _form(RoomForm)
    errors: dict = {}
    if form.validate_on_submit():
        try:
            program_editing.create_room(current.id, form.to_data(), current_actor())
        except program_editing.InvalidProgram as error:
            errors = error.errors
            form.attach(errors)
        else:
            flash(_("The room is added."), "success")
            return redirect(url_for(".rooms", slug=slug))
    return render_template(
        "organiser/program/rooms.html",
        form=form,
        errors=errors,
        edition=current,
        rooms=program_editing.edition_rooms(current),
    )


@bp.route("/<slug>/rooms/<int:room_id>", methods=["GET", "POST"])
def edit_room(slug: str, room_id: int):
    """Change a room's name, seats or accessibility notes."""
    current = edition_or_404(slug, include_drafts=True)
    room = found_or_404(program_editing.room_of(current, room_id))
    form = _form(
        RoomForm,
        program_editing.RoomData(
            room.name, "" if room.capacity is None else str(room.capacity), room.accessibility
        ),
    )
    errors: dict = {}
    if form.validate_on_submit():
        try:
            program_editing.update_room(room.id, form.to_data(), current_actor())
        except program_editing.InvalidProgram as error:
            errors = error.errors
            form.attach(errors)
        else:
            flash(_("The room is saved."), "success")
            return redirect(url_for(".rooms", slug=slug))
    return render_template(
        "organiser/program/room_form.html", form=form, errors=errors, edition=current, room=room
    )


# -- rounds ----------------------------------------------------------------------------


@bp.route("/<slug>/rounds/new", methods=["GET", "POST"])
def new_round(slug: str):
    """Add a round: a time slot for breakout sessions side by side."""
    current = edition_or_404(slug, include_drafts=True)
    form = _form(RoundForm, program_editing.new_round_values(current))
    errors: dict = {}
    if form.validate_on_submit():
        try:
            program_editing.create_round(current.id, form.to_data(), current_actor())
        except program_editing.InvalidProgram as error:
            errors = error.errors
            form.attach(errors)
        else:
            flash(_("The round is added."), "success")
            return redirect(url_for(".edition", slug=slug))
    return render_template(
        "organiser/program/round_form.html", form=form, errors=errors, edition=current, round=None
    )


@bp.route("/<slug>/rounds/<int:round_id>/edit", methods=["GET", "POST"])
def edit_round(slug: str, round_id: int):
    """Rename or move a round; its breakout sessions move along."""
    current = edition_or_404(slug, include_drafts=True)
    round_ = found_or_404(program_editing.round_of(current, round_id))
    form = _form(RoundForm, program_editing.round_values(round_))
    errors: dict = {}
    if form.validate_on_submit():
        try:
            program_editing.update_round(round_id, form.to_data(), current_actor())
        except program_editing.InvalidProgram as error:
            errors = error.errors
            form.attach(errors)
        else:
            flash(_("The round is saved."), "success")
            return redirect(url_for(".edition", slug=slug))
    return render_template(
        "organiser/program/round_form.html", form=form, errors=errors, edition=current, round=round_
    )


@bp.route("/<slug>/rounds/<int:round_id>/delete", methods=["GET", "POST"])
def delete_round(slug: str, round_id: int):
    """Remove a round without sessions, after asking once more."""
    current = edition_or_404(slug, include_drafts=True)
    round_ = found_or_404(program_editing.round_of(current, round_id))
    errors: dict = {}
    if request.method == "POST":
        try:
            program_editing.delete_round(round_id, current_actor())
        except program_editing.InvalidProgram as error:
            errors = error.errors
        else:
            flash(_("The round is deleted."), "success")
            return redirect(url_for(".edition", slug=slug))
    return render_template(
        "organiser/program/round_delete.html", errors=errors, edition=current, round=round_
    )


# -- sessions --------------------------------------------------------------------------


def _session_form(current: Edition, values=None) -> SessionForm:
    return _form(SessionForm, values).for_program(current.rounds, program_editing.people())


def _round_id_arg() -> int | None:
    value = request.args.get("round_id", "")
    return int(value) if value.isdecimal() and len(value) < 10 else None


@bp.route("/<slug>/sessions/new", methods=["GET", "POST"])
def new_session(slug: str):
    """Add a plenary or breakout session."""
    current = edition_or_404(slug, include_drafts=True)
    kind = request.args.get("kind", SessionKind.breakout.value)
    form = _session_form(
        current, program_editing.new_session_values(current, kind, _round_id_arg())
    )
    errors: dict = {}
    if form.validate_on_submit():
        try:
            program_editing.create_session(current.id, form.to_data(), current_actor())
        except program_editing.InvalidProgram as error:
            errors = error.errors
            form.attach(errors)
        else:
            flash(_("The session is added."), "success")
            return redirect(url_for(".edition", slug=slug))
    return render_template(
        "organiser/program/session_form.html",
        form=form,
        errors=errors,
        edition=current,
        session=None,
        rooms=program_editing.edition_rooms(current),
    )


@bp.route("/<slug>/sessions/<int:session_id>/edit", methods=["GET", "POST"])
def edit_session(slug: str, session_id: int):
    """Change a session: title, room, speakers, capacity. Seat holders hear of a new room."""
    current = edition_or_404(slug, include_drafts=True)
    session = found_or_404(program_editing.session_of(current, session_id))
    form = _session_form(current, program_editing.session_values(session))
    errors: dict = {}
    if form.validate_on_submit():
        try:
            program_editing.update_session(session_id, form.to_data(), current_actor())
        except program_editing.InvalidProgram as error:
            errors = error.errors
            form.attach(errors)
        else:
            flash(_("The session is saved."), "success")
            return redirect(url_for(".edition", slug=slug))
    return render_template(
        "organiser/program/session_form.html",
        form=form,
        errors=errors,
        edition=current,
        session=session,
        rooms=program_editing.edition_rooms(current),
    )


@bp.route("/<slug>/sessions/<int:session_id>/delete", methods=["GET", "POST"])
def delete_session(slug: str, session_id: int):
    """Remove a session, after choosing what happens to the people holding a seat."""
    current = edition_or_404(slug, include_drafts=True)
    session = found_or_404(program_editing.session_of(current, session_id))
    preview = program_editing.delete_preview(session)
    form = DeleteForm().for_targets(preview.targets)
    errors: dict = {}
    if form.validate_on_submit():
        try:
            result = program_editing.delete_session(session_id, form.to_data(), current_actor())
        except program_editing.InvalidProgram as error:
            errors = error.errors
            form.attach(errors)
            preview = program_editing.delete_preview(
                program_editing.session_of(current, session_id)
            )
        else:
            return render_template(
                "organiser/program/session_deleted.html", edition=current, result=result
            )
    return render_template(
        "organiser/program/session_delete.html",
        form=form,
        errors=errors,
        edition=current,
        preview=preview,
    )


# -- speakers --------------------------------------------------------------------------


@bp.route("/people")
def people():
    """Everyone who speaks or hosts, with their sessions."""
    return render_template("organiser/program/people.html", people=program_editing.people())


@bp.route("/people/new", methods=["GET", "POST"])
def new_person():
    """Add a speaker or host."""
    form = _form(PersonForm, program_editing.PersonData())
    errors: dict = {}
    if form.validate_on_submit():
        try:
            program_editing.create_person(form.to_data(), current_actor())
        except program_editing.InvalidProgram as error:
            errors = error.errors
            form.attach(errors)
        else:
            flash(_("The speaker is added."), "success")
            return redirect(url_for(".people"))
    return render_template(
        "organiser/program/person_form.html", form=form, errors=errors, person=None
    )


@bp.route("/people/<int:person_id>/edit", methods=["GET", "POST"])
def edit_person(person_id: int):
    """Change a speaker's name, affiliation, biography or e-mail address."""
    person = found_or_404(program_editing.person(person_id))
    form = _form(PersonForm, program_editing.person_values(person))
    errors: dict = {}
    if form.validate_on_submit():
        try:
            program_editing.update_person(person_id, form.to_data(), current_actor())
        except program_editing.InvalidProgram as error:
            errors = error.errors
            form.attach(errors)
        else:
            flash(_("The speaker is saved."), "success")
            return redirect(url_for(".people"))
    return render_template(
        "organiser/program/person_form.html", form=form, errors=errors, person=person
    )
