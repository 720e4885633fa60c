"""Signing up, changing choices, waiting lists, cancelling, reminders and the manage link."""

from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from symposium.audit import service as audit
from symposium.audit.service import Actor
from symposium.database import TryAgain, keep_after_commit, refuse_conflicts, use_case
from symposium.extensions import db
from symposium.program.models import AllocationMode, Edition, Session, SessionKind
from symposium.program.service import registration_state
from symposium.registration import notifications, rankings, rows, seats
from symposium.registration.models import (
    Choice,
    ChoiceState,
    Registration,
    RegistrationStatus,
    new_manage_secret,
)
from symposium.registration.personal import active_choice
from symposium.registration.requests import (
    DuplicateRegistration,
    InvalidRegistration,
    NotAllowed,
    RegistrationClosed,
    RegistrationRequest,
    RoundRequest,
    SessionFull,
    _now,
    _stored_answers,
    normalise_email,
    validate,
)
from symposium.text import name_sort_key

# -- use cases -------------------------------------------------------------------------


# Two sign-ups with one address raced; the unique index let one through.
@refuse_conflicts(lambda error: DuplicateRegistration())
@use_case(keep_loaded=True)  # locks nothing it reads through objects; the answer reads them
def register(
    edition_id: int, request: RegistrationRequest, now: datetime | None = None
) -> Registration:
    """Sign someone up: a venue place, then per round the seat or waiting place they asked for."""
    registration = enrol(edition_id, request, now)
    keep_after_commit(registration, registration.edition, *registration.choices)  # the answer
    return registration


def enrol(
    edition_id: int, request: RegistrationRequest, now: datetime | None = None
) -> Registration:
    """`register` inside the caller's transaction (a group's order signs up several).

    The counters everyone shares (seats in the session rows, places in the edition's row)
    are written last, just before the commit, so that their row locks are held briefly.
    Without a venue limit the venue place is claimed at the very end; should a limit be set
    meanwhile and reached, the sign-up starts again the careful way (place first).
    """
    now = now or _now()
    edition = db.session.get(Edition, edition_id)  # as the view loaded it: no second read
    ranks = any(wanted.ranking for wanted in request.choices.values())
    if ranks:
        # Wait for an allocation being committed; then see the edition as it left it.
        db.session.refresh(edition, with_for_update=True)
    errors = validate(edition, request)
    if errors:
        raise InvalidRegistration(errors)
    state = registration_state(edition, now)
    if not state.open:
        raise RegistrationClosed(state.message)
    if ranks and not (preferences := rankings.preferences_state(edition, now)).open:
        raise InvalidRegistration(
            {
                f"choices.{round_id}": [preferences.message]
                for round_id, wanted in request.choices.items()
                if wanted.ranking
            }
        )

    email_key = normalise_email(request.email)
    place_last = edition.venue_capacity is None
    has_place = place_last or seats.claim_venue_place(edition.id)
    details = _details(request, now, has_place)
    registration = rows.insert_registration(_new_row(edition.id, email_key, details))
    rejoined = registration is None
    if rejoined:
        # Someone who cancelled may come back: their registration is taken up again,
        # at the back of every line, with what they ask for now.
        registration = _locked(
            db.session.scalar(
                sa.select(Registration.id).where(
                    Registration.edition_id == edition.id, Registration.email_key == email_key
                )
            )
        )
        db.session.refresh(registration)
        if registration.status != RegistrationStatus.cancelled:
            raise DuplicateRegistration()
        for name, value in details.items():
            setattr(registration, name, value)
        db.session.flush()
    notifications.confirmation(registration, rejoined_at=now if rejoined else None)
    if has_place and edition.allocation_mode == AllocationMode.ranked:
        for round_id in sorted(request.choices):
            rankings.store_ranking(registration, round_id, request.choices[round_id].ranking)
    elif has_place and all(w.waitlist_session_id is None for w in request.choices.values()):
        _take_seats(registration, request.choices)
    elif has_place:
        # Rounds in a fixed order, so concurrent sign-ups lock session rows alike; the
        # choices are written together after the seats are claimed, in one statement.
        with db.session.no_autoflush:
            for round_id in sorted(request.choices):
                _take_round(registration, round_id, request.choices[round_id])
    db.session.flush()
    if place_last and not seats.claim_venue_place(edition.id):
        raise TryAgain()  # a venue limit was set meanwhile, and reached
    seats.forget_counters()
    return registration


def _details(request: RegistrationRequest, now: datetime, has_place: bool) -> dict:
    """What a sign-up writes into its registration, new or taken up again."""
    return {
        "first_name": request.first_name.strip(),
        "last_name": request.last_name.strip(),
        "email": request.email.strip(),
        "organisation": request.organisation.strip(),
        "role": request.role,
        "dietary_needs": request.dietary_needs.strip(),
        "access_needs": request.access_needs.strip(),
        "newsletter": bool(request.newsletter),
        "answers": _stored_answers(request.answers),
        "consent_at": now,
        "locale": request.locale if request.locale in ("nl", "en") else "nl",
        "status": RegistrationStatus.confirmed if has_place else RegistrationStatus.waitlisted,
        "created_at": now,
        "cancelled_at": None,
        # New details want a new badge: it is printed with the next sheets.
        "badge_printed_at": None,
    }


def _new_row(edition_id: int, email_key: str, details: dict) -> dict:
    """Every column of a new registration."""
    sort_last, sort_first = name_sort_key(details["first_name"], details["last_name"])
    return details | {
        "edition_id": edition_id,
        "email_key": email_key,
        "sort_last": sort_last,
        "sort_first": sort_first,
        "manage_secret": new_manage_secret(),
        "checked_in_at": None,
        "checked_out_at": None,
        "erased_at": None,
        "email_confirmed_at": None,
    }


@use_case
def reinstate(registration_id: int, actor: Actor, now: datetime | None = None) -> Registration:
    """Take a cancelled registration up again, by an organiser: a place at the venue if one
    is free (else the back of its waiting list), no sessions yet; the person is mailed."""

    registration = _locked(registration_id)
    if registration.status != RegistrationStatus.cancelled:
        raise NotAllowed(_l("This registration is not cancelled."))
    if registration.erased_at is not None:
        raise NotAllowed(_l("This person's data has been erased: they can sign up again."))
    now = now or _now()
    has_place = seats.claim_venue_place(registration.edition_id)
    registration.status = (
        RegistrationStatus.confirmed if has_place else RegistrationStatus.waitlisted
    )
    registration.cancelled_at = None
    registration.created_at = now
    audit.record(
        actor,
        "registration.reinstate",
        registration,
        before={"status": RegistrationStatus.cancelled},
        after={"status": registration.status},
    )
    notifications.confirmation(registration, rejoined_at=now)
    return registration


def _take_seats(registration: Registration, wanted: dict[int, RoundRequest]) -> None:
    """A seat in each session asked for, else a waiting place. The choices are written
    first (as seats, in one statement), then every seat is claimed in one statement, so
    the session rows are locked for the last few statements only."""
    now = seats._now()
    choices = rows.insert_choices(
        registration,
        [
            {
                "registration_id": registration.id,
                "round_id": round_id,
                "session_id": w.session_id,
                "rank": 1,
                "state": ChoiceState.confirmed,
                "created_at": now,
                "waitlisted_at": None,
                "decided_at": now,
                "attended_at": None,
            }
            for round_id, w in sorted(wanted.items())
            if w.session_id is not None
        ],
    )
    taken = seats.claim_seats([choice.session_id for choice in choices])
    for choice in choices:
        if choice.session_id not in taken and not seats.claim_seat(choice.session_id):
            seats.wait_instead(choice)


def _take_round(registration: Registration, round_id: int, wanted: RoundRequest) -> None:
    """A seat in the waited-for session if one is free, else wait for it and take the other."""
    waiting = False
    if wanted.waitlist_session_id is not None:
        if seats.claim_seat(wanted.waitlist_session_id):
            seats.add_choice(
                registration, round_id, wanted.waitlist_session_id, ChoiceState.confirmed, False
            )
            return
        seats.add_choice(
            registration, round_id, wanted.waitlist_session_id, ChoiceState.waitlisted, False
        )
        waiting = True
    if wanted.session_id is None:
        return
    if seats.claim_seat(wanted.session_id):
        seats.add_choice(registration, round_id, wanted.session_id, ChoiceState.confirmed, False)
    elif not waiting:
        seats.add_choice(registration, round_id, wanted.session_id, ChoiceState.waitlisted, False)


def _locked(registration_id: int) -> Registration:
    """The registration, locked first: a cancel racing a change of the same person must not
    both act on what each read before the other committed (a seat freed twice)."""
    seats.lock_registration(registration_id)
    return db.session.get(Registration, registration_id)


def _breakout_of_round(registration: Registration, round_id: int, session_id: int) -> Session:
    session = db.session.get(Session, session_id)
    if (
        session is None
        or session.edition_id != registration.edition_id
        or session.round_id != round_id
        or session.kind != SessionKind.breakout
    ):
        raise InvalidRegistration({f"choices.{round_id}": [_l("Choose a session of this round.")]})
    return session


def _require_confirmed(registration: Registration) -> None:
    """Sessions can be chosen while sign-up is open, by people with a place at the venue,
    unless the seats are shared out after a deadline (then people rank sessions instead)."""
    if registration.status != RegistrationStatus.confirmed:
        raise NotAllowed(_l("Only a confirmed registration can choose sessions."))
    if not registration_state(registration.edition).open:
        raise NotAllowed(_l("Sessions can no longer be changed."))
    if registration.edition.allocation_mode == AllocationMode.ranked:
        raise NotAllowed(_l("The seats are shared out after the deadline: rank sessions instead."))


@use_case
def change_choice(
    registration_id: int,
    round_id: int,
    session_id: int | None,
    actor: Actor | None = None,
    add_seat_if_full: bool = False,
) -> None:
    """Move to another session of a round: the new seat is taken first, or nothing changes.

    An organiser (`actor`) may place someone in a full session by adding a seat to it,
    which is recorded as a capacity change of its own.
    """

    registration = _locked(registration_id)
    if actor is None:
        _require_confirmed(registration)
    elif registration.status != RegistrationStatus.confirmed:
        raise NotAllowed(_l("Only a confirmed registration can choose sessions."))
    current = active_choice(registration, round_id, ChoiceState.confirmed)
    if (current.session_id if current else None) == session_id:
        return
    if session_id is not None:
        session = _breakout_of_round(registration, round_id, session_id)
        if not seats.claim_seat(session_id):
            if not (actor and add_seat_if_full):
                raise SessionFull()
            add_seat(session, actor)
            seats.claim_seat(session_id)
    freed = []
    if current is not None:
        seats.decline(current)
        freed.append(current.session_id)
    if session_id is not None:
        waiting = active_choice(registration, round_id, ChoiceState.waitlisted)
        if waiting is not None and waiting.session_id == session_id:
            seats.decline(waiting)
        new = seats.add_choice(registration, round_id, session_id, ChoiceState.confirmed)
    notifications.choice_changed(registration, f"{new.id}" if session_id else f"-{current.id}")
    if actor is not None:
        audit.record(
            actor,
            "registration.move",
            registration,
            before={"round": round_id, "session": current.session.title if current else None},
            after={"round": round_id, "session": new.session.title if session_id else None},
        )
    notifications.promotions(seats.fill_freed_seats(freed))


def add_seat(session: Session, actor: Actor) -> None:
    db.session.refresh(session)
    before = session.capacity
    session.capacity = session.taken + 1
    db.session.flush()
    audit.record(
        actor,
        "session.capacity",
        session,
        before={"capacity": before},
        after={"capacity": session.capacity},
    )


@use_case
def join_waitlist(registration_id: int, round_id: int, session_id: int) -> None:
    """Wait for a full session, keeping the seat held in that round meanwhile."""

    registration = _locked(registration_id)
    _require_confirmed(registration)
    session = _breakout_of_round(registration, round_id, session_id)
    seats.lock_session(session_id)
    db.session.refresh(session)
    if session.capacity is None or session.taken < session.capacity:
        raise NotAllowed(_l("This session still has seats: choose it instead."))
    held = active_choice(registration, round_id, ChoiceState.confirmed)
    if held is not None and held.session_id == session_id:
        raise NotAllowed(_l("You already have a seat in this session."))
    waiting = active_choice(registration, round_id, ChoiceState.waitlisted)
    if waiting is not None:
        if waiting.session_id == session_id:
            return
        seats.decline(waiting)
    notifications.waitlist_joined(
        seats.add_choice(registration, round_id, session_id, ChoiceState.waitlisted)
    )


@use_case
def leave_waitlist(registration_id: int, round_id: int) -> None:
    registration = _locked(registration_id)
    waiting = active_choice(registration, round_id, ChoiceState.waitlisted)
    if waiting is not None:
        seats.decline(waiting)


@use_case
def cancel(registration_id: int, actor: Actor | None = None) -> list[Choice]:
    """Cancel a registration: its seats go to the people waiting, in the same transaction."""
    return withdraw(registration_id, actor)


def withdraw(registration_id: int, actor: Actor | None = None) -> list[Choice]:
    """`cancel` inside the caller's transaction (a group's contact cancels a colleague)."""
    registration = _locked(registration_id)
    if registration.status == RegistrationStatus.cancelled:
        return []
    if actor is not None:
        audit.record(
            actor,
            "registration.cancel",
            registration,
            before={"status": registration.status},
            after={"status": RegistrationStatus.cancelled},
        )
    had_place = registration.status == RegistrationStatus.confirmed
    # The edition's row and the session rows in the order a sign-up takes them (the other
    # way round, cancels and sign-ups deadlock on PostgreSQL): without a venue limit the
    # sessions first, with one the edition first.
    place_first = registration.edition.venue_capacity is not None
    if had_place and place_first:
        seats.release_venue_place(registration.edition_id)
    registration.status = RegistrationStatus.cancelled
    registration.cancelled_at = _now()
    freed = []
    for choice in registration.choices:
        if choice.state == ChoiceState.confirmed:
            freed.append(choice.session_id)
        if choice.state in (ChoiceState.confirmed, ChoiceState.waitlisted, ChoiceState.ranked):
            seats.decline(choice)
    notifications.cancelled(registration)
    promoted = notifications.promotions(seats.fill_freed_seats(freed))
    if had_place and not place_first:
        seats.release_venue_place(registration.edition_id)
    if had_place and (waiting := seats.promote_from_venue_waitlist(registration.edition_id)):
        notifications.venue_promoted(waiting)
    return promoted


@use_case
def change_capacity(session_id: int, capacity: int, actor: Actor | None = None) -> list[Choice]:
    """Set a session's seats; new seats go to the people waiting. Never below seats taken."""
    return set_capacity(session_id, capacity, actor)


def set_capacity(session_id: int, capacity: int, actor: Actor | None = None) -> list[Choice]:
    """`change_capacity` inside the caller's transaction, for a use case that changes more."""
    seats.lock_session(session_id)
    session = db.session.get(Session, session_id)
    db.session.refresh(session)
    if capacity < session.taken:
        raise NotAllowed(
            _l("%(taken)d seats are taken; the capacity cannot be lower.", taken=session.taken)
        )
    if actor is not None:
        audit.record(
            actor,
            "session.capacity",
            session,
            before={"capacity": session.capacity},
            after={"capacity": capacity},
        )
    session.capacity = capacity
    db.session.flush()
    return notifications.promotions(seats.fill_freed_seats([session_id]))
