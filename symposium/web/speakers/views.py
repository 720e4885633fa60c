"""The speakers' pages at /speaker/, and the public downloads of materials and photos."""

from functools import wraps

from babel.numbers import format_decimal
from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_user
from werkzeug.datastructures import FileStorage
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.wsgi import LimitedStream

from symposium.accounts.models import User
from symposium.extensions import db, limiter
from symposium.i18n import current_language
from symposium.program import service as program
from symposium.program.models import EditionStatus, Person, SummaryStatus
from symposium.registration import service as registrations
from symposium.speakers import files, service
from symposium.speakers import notifications as _mail  # noqa: F401  (registers the mail builders)
from symposium.speakers.models import Material, Visibility
from symposium.speakers.rules import Act
from symposium.web.body_limits import UPLOAD_ENDPOINTS
from symposium.web.common import found_or_404
from symposium.web.speakers.forms import (
    KIND_LABELS,
    SUMMARY_LABELS,
    VISIBILITY_LABELS,
    LinkRequestForm,
    MaterialForm,
    ProfileForm,
    SummaryForm,
)

bp = Blueprint("speakers", __name__, url_prefix="/speaker")
#: downloads linked from the public session pages
downloads = Blueprint("speaker_files", __name__)


def signed_in(view):
    """Speakers and organisers; anyone else is sent to ask for a sign-in link."""

    @wraps(view)
    def guarded(*args, **kwargs):
        if not current_user.is_authenticated:
            flash(_("Sign in with the link we mail you to see this page."), "info")
            return redirect(url_for("speakers.sign_in"))
        return view(*args, **kwargs)

    return guarded


def _user():
    return current_user._get_current_object()


def _session_or_abort(session_id: int, act: Act):
    """The session, if this person may do `act` on it: 404 when there is none, else 403."""
    found = service.session(session_id)
    if found is None:
        abort(404)
    if not service.may(_user(), found, act):
        abort(403)
    return found


def _upload(data) -> service.Upload | None:
    if isinstance(data, FileStorage):
        return service.Upload(stream=data.stream, filename=data.filename or "")
    return None


def _material_data(form: MaterialForm) -> service.MaterialData:
    return service.MaterialData(kind=form.kind.data or "", visibility=form.visibility.data or "")


def _material_form(values: service.MaterialData | None = None) -> MaterialForm:
    data = None if request.method == "POST" or values is None else vars(values)
    return MaterialForm(data=data).for_limit(current_app.config["MAX_UPLOAD_MB"])


def _drain_request_body() -> None:
    """Read what the browser still sends, so that it gets our page, not a broken connection.

    Bounded: at most ten times the upload limit is read and thrown away."""
    budget = 10 * (current_app.config.get("MAX_CONTENT_LENGTH") or 0) or 100 * 1024 * 1024
    # The stream the form parser started on knows how much is left; without one, nothing
    # was read yet and the raw input holds the whole body.
    stream = request.__dict__.get("stream")
    if stream is None:
        raw = request.environ.get("wsgi.input")
        if raw is None:
            return
        if request.content_length is not None:
            stream = LimitedStream(raw, request.content_length)
        elif request.environ.get("wsgi.input_terminated"):
            stream = raw
        else:
            return
    try:
        while budget > 0:
            chunk = stream.read(min(budget, 1024 * 1024))
            if not chunk:
                break
            budget -= len(chunk)
    except (OSError, ValueError):
        pass


@bp.errorhandler(RequestEntityTooLarge)
def too_large(error):
    """An upload (or a text) over the limit: a page that says so, with the way back."""
    _drain_request_body()
    session_id = (request.view_args or {}).get("session_id")
    back = (
        url_for(".session_page", session_id=session_id)
        if session_id is not None
        else url_for(".index")
    )
    return render_template(
        "speakers/too_large.html",
        limit=current_app.config["MAX_UPLOAD_MB"],
        back=back,
        # Within the request limit, it was a text field beyond what is read into memory.
        upload=request.endpoint in UPLOAD_ENDPOINTS
        and not (
            request.content_length is not None
            and request.content_length <= (current_app.config.get("MAX_CONTENT_LENGTH") or 0)
        ),
    ), 413


# -- signing in ------------------------------------------------------------------------


@bp.route("/sign-in", methods=["GET", "POST"])
@limiter.limit("10 per minute; 50 per hour", methods=["POST"])
def sign_in():
    """Ask for a sign-in link: the same answer whether or not the address is a speaker's."""
    form = LinkRequestForm()
    if form.validate_on_submit():
        service.request_link(form.email.data, current_language())
        flash(
            _(
                "If this address belongs to a speaker, a mail with a sign-in link is on its "
                "way. The link works for 7 days, once."
            ),
            "success",
        )
        return redirect(url_for(".sign_in"))
    return render_template("speakers/sign_in.html", form=form, errors=form.errors)


@bp.route("/sign-in/<token>", methods=["GET", "POST"])
@limiter.limit("20 per minute", methods=["POST"])
def follow_link(token: str):
    """Sign in with a mailed link. It asks for one press of a button, so that a mail filter
    that opens links to check them does not use the link up."""
    try:
        if request.method == "POST":
            user = service.use_link(token)
            language = session.get("lang")
            session.clear()  # a new session for the signed-in person, in the same language
            if language:
                session["lang"] = language
            login_user(user)
            session.permanent = True
            flash(_("You are signed in."), "success")
            return redirect(url_for(".index"))
        link = service.check_link(token)
    except service.LinkRefused as error:
        return render_template(
            "speakers/sign_in.html", form=LinkRequestForm(), errors={"form": [error.message]}
        ), 400
    account = db.session.get(User, link.user_id)
    return render_template("speakers/follow_link.html", account=account, token=token)


# -- the speaker's sessions ------------------------------------------------------------


@bp.route("/")
@signed_in
def index():
    """A speaker's sessions (every session, for organisers) with seats and summary state."""
    return render_template(
        "speakers/index.html",
        sessions=service.sessions_for(_user()),
        statuses=SummaryStatus,
    )


def _session_page(found, form: MaterialForm, errors: dict, status: int = 200):
    return render_template(
        "speakers/session.html",
        view=service.session_view(_user(), found),
        form=form,
        errors=errors,
        statuses=SummaryStatus,
        visibilities=Visibility,
    ), status


@bp.route("/sessions/<int:session_id>")
@signed_in
def session_page(session_id: int):
    """One session: time, room, seats, who is coming, materials and the summary."""
    found = _session_or_abort(session_id, Act.view)
    return _session_page(found, _material_form(service.MaterialData()), {})


@bp.post("/sessions/<int:session_id>/materials")
@signed_in
def upload_material(session_id: int):
    """Upload slides or a hand-out."""
    found = _session_or_abort(session_id, Act.materials)
    form = _material_form()
    errors: dict = {}
    if form.validate_on_submit():
        data = _material_data(form)
        try:
            material = service.add_material(found.id, data, _upload(form.file.data), _user())
        except service.Invalid as error:
            errors = error.errors
            form.attach(errors)
        else:
            flash(_("“%(name)s” is uploaded.", name=material.filename), "success")
            return redirect(url_for(".session_page", session_id=session_id, _anchor="materials"))
    return _session_page(found, form, errors or form.errors)


@bp.route("/sessions/<int:session_id>/materials/<int:material_id>")
@signed_in
def material_file(session_id: int, material_id: int):
    """Download a material of one's own session, whoever it is for."""
    found = _session_or_abort(session_id, Act.view)
    return _send_material(found_or_404(service.material_of(found, material_id)))


@bp.route("/sessions/<int:session_id>/materials/<int:material_id>/edit", methods=["GET", "POST"])
@signed_in
def edit_material(session_id: int, material_id: int):
    """Change who can download a material, or replace its file."""
    found = _session_or_abort(session_id, Act.materials)
    material = found_or_404(service.material_of(found, material_id))
    form = _material_form(service.MaterialData(material.kind.value, material.visibility.value))
    errors: dict = {}
    if form.validate_on_submit():
        data = _material_data(form)
        try:
            saved = service.update_material(material.id, data, _upload(form.file.data), _user())
        except service.Invalid as error:
            errors = error.errors
            form.attach(errors)
        else:
            flash(_("“%(name)s” is saved.", name=saved.filename), "success")
            return redirect(url_for(".session_page", session_id=session_id, _anchor="materials"))
    return render_template(
        "speakers/material_edit.html",
        session=found,
        edition=found.edition,
        material=material,
        form=form,
        errors=errors or form.errors,
    )


@bp.route("/sessions/<int:session_id>/materials/<int:material_id>/delete", methods=["GET", "POST"])
@signed_in
def delete_material(session_id: int, material_id: int):
    """Remove a material, after asking once more."""
    found = _session_or_abort(session_id, Act.materials)
    material = found_or_404(service.material_of(found, material_id))
    if request.method == "POST":
        service.delete_material(material.id, _user())
        flash(_("“%(name)s” is deleted.", name=material.filename), "success")
        return redirect(url_for(".session_page", session_id=session_id, _anchor="materials"))
    return render_template(
        "speakers/material_delete.html", session=found, edition=found.edition, material=material
    )


@bp.route("/sessions/<int:session_id>/summary", methods=["GET", "POST"])
@signed_in
def summary(session_id: int):
    """Write the session's summary in Markdown, preview it, save it, hand it in."""
    found = _session_or_abort(session_id, Act.summary)
    user = _user()
    locked = not user.is_organiser and found.summary_status != SummaryStatus.draft
    start = {"summary": found.summary or service.summary_outline()}
    form = SummaryForm(data=None if request.method == "POST" else start)
    errors: dict = {}
    preview = None
    if form.validate_on_submit() and not locked:
        text = form.summary.data or ""
        action = request.form.get("action", "save")
        if action == "preview":
            problems = service.summary_problems(text, submitting=False)
            if problems:
                errors = {"summary": problems}
                form.attach(errors)
            else:
                preview = service.render_summary(text)
        else:
            try:
                service.save_summary(found.id, text, submit=action == "submit", by=user)
            except service.Invalid as error:
                errors = error.errors
                form.attach(errors)
            except service.SpeakerError as error:
                flash(str(error.message), "error")
                return redirect(url_for(".summary", session_id=session_id))
            else:
                if action == "submit":
                    flash(
                        _("The summary is handed in. The organisers publish it or send it back."),
                        "success",
                    )
                    return redirect(url_for(".session_page", session_id=session_id))
                flash(_("The summary is saved."), "success")
                return redirect(url_for(".summary", session_id=session_id))
    return render_template(
        "speakers/summary.html",
        session=found,
        edition=found.edition,
        form=form,
        errors=errors,
        preview=preview,
        locked=locked,
        has_html=service.summary_has_html(form.summary.data or ""),
        rendered=service.render_summary(found.summary),
        statuses=SummaryStatus,
    )


@bp.route("/profile", methods=["GET", "POST"])
@signed_in
def profile():
    """A speaker's name, affiliation, short bio and photo, as the session pages show them."""
    user = _user()
    if user.person is None:
        flash(_("Organisers change speakers' details in the organisers' area."), "info")
        return redirect(url_for("organiser_program.people"))
    values = vars(service.profile_values(user.person))
    form = ProfileForm(data=None if request.method == "POST" else values)
    errors: dict = {}
    if form.validate_on_submit():
        data = service.ProfileData(
            name=form.name.data or "",
            affiliation=form.affiliation.data or "",
            bio=form.bio.data or "",
            remove_photo=bool(form.remove_photo.data),
        )
        try:
            service.update_profile(user, data, _upload(form.photo.data))
        except service.Invalid as error:
            errors = error.errors
            form.attach(errors)
        else:
            flash(_("Your profile is saved."), "success")
            return redirect(url_for(".profile"))
    return render_template(
        "speakers/profile.html", person=user.person, form=form, errors=errors or form.errors
    )


# -- downloads -------------------------------------------------------------------------


def _protect(response, public: bool):
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Cache-Control"] = "public, max-age=300" if public else "private, no-store"
    return response


def _send_stored(sha256: str, mimetype: str, **options):
    """A stored file, from this host's folder or streamed from the object storage."""
    stream = files.open_stored(sha256)
    if stream is None:
        abort(404)
    return send_file(stream, mimetype=mimetype, etag=sha256, conditional=True, **options)


def _send_material(material: Material):
    response = _send_stored(
        material.sha256,
        material.content_type,
        as_attachment=True,
        download_name=material.filename,
        last_modified=material.updated_at,
    )
    return _protect(response, public=material.visibility == Visibility.public)


@downloads.route("/<slug>/sessions/<session_slug>/materials/<int:material_id>")
def download(slug: str, session_slug: str, material_id: int):
    """A material as a download: public ones for all, attendees' ones through the manage
    link (`?token=`), organisers' ones for organisers and the session's speakers."""
    edition = program.edition_by_slug(slug, include_drafts=True)
    found = program.session_by_slug(edition, session_slug) if edition else None
    material = service.material_of(found, material_id) if found else None
    if material is None:
        abort(404)
    if edition.status == EditionStatus.draft and not service.may(_user(), found, Act.view):
        abort(404)
    token = request.args.get("token", "")
    registration = (
        registrations.find_by_token(token, current_app.secret_key)
        if token and len(token) <= 500
        else None
    )
    if not service.may_download(material, _user(), registration):
        abort(403)
    return _send_material(material)


@downloads.route("/people/<int:person_id>/photo")
def photo(person_id: int):
    """A speaker's photo, as shown on the session pages."""
    person = db.session.get(Person, person_id)
    if person is None or not person.photo_sha256 or person.photo_type not in files.PHOTO_TYPES:
        abort(404)
    response = _send_stored(person.photo_sha256, person.photo_type, max_age=3600)
    return _protect(response, public=True)


# -- how materials are described -------------------------------------------------------


@downloads.app_template_filter("filesize")
def filesize(size: int) -> str:
    """'340 kB', '2,4 MB' / '2.4 MB'."""
    language = current_language()
    if size < 1024 * 1024:
        return f"{max(1, round(size / 1024))} kB"
    megabytes = format_decimal(size / (1024 * 1024), format="#,##0.#", locale=language)
    return f"{megabytes} MB"


@downloads.app_template_filter("filetype")
def filetype(content_type: str) -> str:
    return files.LABELS.get(content_type, content_type)


@downloads.app_template_filter("material_kind")
def material_kind(kind) -> str:
    return str(KIND_LABELS.get(getattr(kind, "value", kind), kind))


@downloads.app_template_filter("visibility")
def visibility(value) -> str:
    return str(VISIBILITY_LABELS.get(getattr(value, "value", value), value))


@downloads.app_template_filter("summary_state")
def summary_state(value) -> str:
    return str(SUMMARY_LABELS.get(getattr(value, "value", value), value))
