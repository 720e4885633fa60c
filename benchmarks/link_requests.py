"""How long "mail me a link" takes for a known and an unknown address: medians of 50 each.

The two should be alike (nothing to learn by timing). Run: .venv/bin/python
benchmarks/link_requests.py. Prints medians in milliseconds and their ratio; the rule is
proven by tests/test_link_requests.py (same queries, same row), not by these numbers.
"""

import statistics
import tempfile
import time
from pathlib import Path

import flask_migrate
import sqlalchemy as sa

from symposium import create_app, demo
from symposium.accounts.models import Role, User
from symposium.extensions import db
from symposium.program.models import Person
from symposium.registration.models import Registration

TRIES = 50


def main() -> None:
    folder = Path(tempfile.mkdtemp(prefix="symposium-bench-"))
    app = create_app(
        {
            "SECRET_KEY": "bench",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'bench.sqlite'}",
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_ENABLED": False,
        },
        instance_path=str(folder),
    )
    with app.app_context():
        flask_migrate.upgrade()
        demo.load()
        registration = db.session.scalars(
            sa.select(Registration).where(Registration.edition.has(slug="2019").__invert__())
        ).first()
        slug, attendee = registration.edition.slug, registration.email
        person = Person(name="Bench Speaker", email="speaker@example.org")
        db.session.add(person)
        db.session.flush()
        db.session.add(User(email="speaker@example.org", role=Role.speaker, person_id=person.id))
        db.session.commit()
        client = app.test_client()
        cases = {
            "speakers": ("/speaker/sign-in", "speaker@example.org"),
            "attendees": (f"/{slug}/link", attendee),
        }
        for name, (url, known) in cases.items():
            timings: dict[str, list[float]] = {"known": [], "unknown": []}
            client.post(url, data={"email": "warm-up@example.org"})
            for n in range(TRIES):
                for which, email in (("known", known), ("unknown", f"nobody{n}@example.org")):
                    started = time.perf_counter()
                    client.post(url, data={"email": email})
                    timings[which].append((time.perf_counter() - started) * 1000)
            known_ms = statistics.median(timings["known"])
            unknown_ms = statistics.median(timings["unknown"])
            print(
                f"{name}: known {known_ms:.2f} ms, unknown {unknown_ms:.2f} ms, "
                f"ratio {known_ms / unknown_ms:.2f} (medians of {TRIES})"
            )


if __name__ == "__main__":
    main()
