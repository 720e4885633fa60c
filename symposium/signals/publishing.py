"""Publishing an edition's harvest: attendees who asked for it get a mail (through the
outbox, written when it is sent, in their language)."""

from datetime import datetime

import sqlalchemy as sa
from flask_babel import gettext as _

from symposium.audit import service as audit
from symposium.audit.service import Actor
from symposium.database import use_case, utcnow
from symposium.extensions import db
from symposium.mail.outbox import Mail, builder, queue_later
from symposium.program.models import Edition
from symposium.registration.models import Registration, RegistrationStatus
from symposium.registration.personal import manage_url
from symposium.signals.harvest import harvest
from symposium.signals.models import HarvestSubscription, SignalSettings
from symposium.urls import external_url


@use_case
def subscribe(registration_id: int, wanted: bool = True) -> None:
    """An attendee asks (or stops asking) to be mailed the harvest."""
    found = db.session.get(HarvestSubscription, registration_id)
    if wanted and found is None:
        db.session.add(HarvestSubscription(registration_id=registration_id))
    elif not wanted and found is not None:
        db.session.delete(found)


def subscribed(registration_id: int) -> bool:
    return db.session.get(HarvestSubscription, registration_id) is not None


def own_copy(registration_id: int) -> dict | None:
    """For the person's own copy: that they asked for the harvest mail, and when it went."""
    found = db.session.get(HarvestSubscription, registration_id)
    if found is None:
        return None
    return {"asked": True, "mailed_at": found.mailed_at.isoformat() if found.mailed_at else None}


@use_case
def publish_harvest(edition_id: int, actor: Actor, now: datetime | None = None) -> int:
    """Mark the harvest published and mail the confirmed attendees who opted in (once each,
    also when published again). Returns how many mails were queued."""
    now = now or utcnow()
    settings = db.session.get(SignalSettings, edition_id) or SignalSettings(edition_id=edition_id)
    db.session.add(settings)
    settings.harvest_published_at = now
    waiting = db.session.execute(
        sa.select(HarvestSubscription, Registration)
        .join(Registration, Registration.id == HarvestSubscription.registration_id)
        .where(
            Registration.edition_id == edition_id,
            Registration.status == RegistrationStatus.confirmed,
            HarvestSubscription.mailed_at.is_(None),
        )
    ).all()
    for subscription, registration in waiting:
        subscription.mailed_at = now
        queue_later(
            "harvest_published",
            f"harvest:{edition_id}:{registration.id}",
            registration.email,
            {"registration_id": registration.id, "edition_id": edition_id},
            registration_id=registration.id,
        )
    edition = db.session.get(Edition, edition_id)
    audit.record(
        actor, "signals.publish", edition, after={"mailed": len(waiting)}, edition_id=edition_id
    )
    return len(waiting)


@builder("harvest_published")
def _harvest_mail(refs: dict) -> Mail | None:
    """None when the person cancelled or was erased in the meantime."""
    registration = db.session.get(Registration, refs["registration_id"])
    edition = db.session.get(Edition, refs["edition_id"])
    if registration is None or edition is None:
        return None
    if registration.status != RegistrationStatus.confirmed:
        return None
    found = harvest(edition)
    return Mail(
        kind="harvest_published",
        dedupe_key="",
        recipient=registration.email,
        locale=registration.locale,
        subject=lambda: _("The harvest of %(title)s", title=edition.title),
        context={
            "registration": registration,
            "edition": edition,
            "harvest": found,
            "harvest_url": external_url("signals_public.harvest", slug=edition.slug),
            "agenda_url": external_url("signals_public.agenda"),
            "manage_url": manage_url(registration),
        },
        registration_id=registration.id,
    )


# -- personal data (called by symposium.privacy) ---------------------------------------


def forget_subscriptions(who: sa.Select, now: datetime) -> int:
    """Erasure and purge: the wish for the harvest mail goes with the person."""
    deleted = sa.delete(HarvestSubscription).where(HarvestSubscription.registration_id.in_(who))
    return db.session.execute(deleted).rowcount


def forget_signal_names(edition: Edition, now: datetime) -> int:
    """Purge: the names people chose to show with their signals; the signals stay."""
    from symposium.signals.models import Signal

    cleared = (
        sa.update(Signal)
        .where(Signal.edition_id == edition.id, Signal.name != "")
        .values(name="")
        .execution_options(synchronize_session=False)
    )
    return db.session.execute(cleared).rowcount
