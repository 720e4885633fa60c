"""Organiser accounts: who can sign in to the organisers' area."""

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from symposium.accounts import service as accounts
from symposium.web.access import current_actor
from symposium.web.organiser.blueprint import organiser_blueprint
from symposium.web.organiser.forms import AccountForm

bp = organiser_blueprint("organiser_accounts", __name__)


@bp.route("/accounts", methods=["GET", "POST"])
def account_list():
    """The organisers, and a form to add one."""
    form = AccountForm()
    errors: dict = {}
    if form.validate_on_submit():
        try:
            accounts.create_organiser(
                form.email.data, form.name.data or "", form.password.data, current_actor()
            )
        except accounts.AccountError as error:
            errors = {error.field: [error.message]}
            form.attach(errors)
        else:
            flash(_("The account has been made."), "success")
            return redirect(url_for(".account_list"))
    errors = errors or form.errors
    return render_template(
        "organiser/accounts.html", users=accounts.organisers(), form=form, errors=errors
    )


@bp.post("/accounts/<int:user_id>/active")
def set_active(user_id: int):
    """Switch an organiser's account on or off."""
    try:
        accounts.set_active(user_id, request.form.get("active") == "1", current_actor())
    except accounts.AccountError as error:
        flash(error.message, "error")
    return redirect(url_for(".account_list"))
