"""Buying places: the group order form, the group page behind the contact's link."""

from flask import Blueprint, abort, render_template

from symposium.orders import service

bp = Blueprint("orders", __name__)


@bp.route("/orders/<int:order_id>/<secret>")
def group(order_id: int, secret: str):
    """The contact's page: everyone in the order, their choices, what is paid."""
    order = service.order_by_secret(order_id, secret)
    if order is None:
        abort(404)
    return render_template("orders/group.html", order=order)
