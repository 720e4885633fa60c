"""The personal program as an iCalendar file."""

from symposium.registration.models import Registration
from symposium.registration.personal import PersonalProgram


def personal_calendar(registration: Registration, plan: PersonalProgram, url: str) -> str:
    """Plenaries and held breakouts; UIDs stay the same so calendar apps update, not duplicate."""
    from icalendar import Calendar, Event  # imported when used: it slows every start-up

    edition = registration.edition
    calendar = Calendar()
    calendar.add("prodid", "-//Symposium//symposium//NL")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", edition.title)
    for session in [*plan.plenaries, *plan.held_sessions]:
        event = Event()
        event.add("uid", f"session-{session.id}-registration-{registration.id}@symposium")
        event.add("summary", session.title)
        event.add("dtstart", session.starts_at)
        event.add("dtend", session.ends_at)
        event.add("dtstamp", registration.created_at)
        event.add("location", ", ".join(part for part in (session.room, edition.venue) if part))
        event.add("url", url)
        calendar.add_component(event)
    return calendar.to_ical().decode()
