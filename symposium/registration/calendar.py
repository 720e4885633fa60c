"""The personal program as an iCalendar file."""

from flask_babel import force_locale
from flask_babel import gettext as _
from icalendar import Calendar, Event, vCalAddress, vText

from symposium.i18n import localized
from symposium.registration.models import Registration
from symposium.registration.personal import PersonalProgram


def contact_line(edition) -> str:
    """ "Questions? Ask ...: mail, phone", for a calendar entry's description."""
    ways = ", ".join(way for way in (edition.contact_email, edition.contact_phone) if way)
    if not ways:
        return ""
    return _("Questions? Ask %(who)s:", who=edition.organiser_name or _("the organisers")) + (
        f" {ways}"
    )


def personal_calendar(registration: Registration, plan: PersonalProgram, url: str) -> str:
    """Plenaries and held breakouts, in the person's language; UIDs stay the same so
    calendar apps update, not duplicate."""
    with force_locale(registration.locale):
        return _calendar(registration, plan, url, registration.locale)


def _calendar(registration: Registration, plan: PersonalProgram, url: str, language: str) -> str:
    edition = registration.edition
    calendar = Calendar()
    calendar.add("prodid", "-//Symposium//symposium//NL")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", localized(edition, "title", language))
    for session in [*plan.plenaries, *plan.held_sessions]:
        event = Event()
        event.add("uid", f"session-{session.id}-registration-{registration.id}@symposium")
        event.add("summary", localized(session, "title", language))
        event.add("dtstart", session.starts_at)
        event.add("dtend", session.ends_at)
        event.add("dtstamp", registration.created_at)
        event.add("location", ", ".join(part for part in (session.room, edition.location) if part))
        event.add("url", url)
        if edition.contact_email:
            organiser = vCalAddress(f"mailto:{edition.contact_email}")
            if edition.organiser_name:
                organiser.params["cn"] = vText(edition.organiser_name)
            event.add("organizer", organiser)
        if contact := contact_line(edition):
            event.add("description", contact)
        calendar.add_component(event)
    return calendar.to_ical().decode()
