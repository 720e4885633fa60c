"""Start-up: every web and worker process pays for what `create_app()` imports, so the
heavy libraries are imported where they are used, when they are used."""

import json
import subprocess
import sys

#: each costs tens to hundreds of milliseconds to import; none is needed to answer a page
HEAVY = (
    "weasyprint",
    "scipy",
    "numpy",
    "openpyxl",
    "pypdf",
    "fontTools",
    "icalendar",
    "segno",
    # Flask-Migrate brings Alembic, Mako and Pygments: `flask db` imports them when it runs
    "flask_migrate",
    "alembic",
    "mako",
    "pygments",
    "markdown_it",
    "email_validator",
)

PROGRAM = """
import json, sys
from symposium import create_app
create_app({"SECRET_KEY": "test-secret-key", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
print(json.dumps(sorted(name for name in sys.modules if name.split(".")[0] in %r)))
"""


def test_create_app_imports_no_heavy_library(tmp_path):
    # A fresh process: in this one other tests have imported them already.
    done = subprocess.run(
        [sys.executable, "-c", PROGRAM % (HEAVY,)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=True,
    )
    assert json.loads(done.stdout.splitlines()[-1]) == []


def test_importing_the_package_alone_imports_no_framework(tmp_path):
    # create_app() imports them, with the garbage collector paused (symposium/__init__.py)
    program = "import json, sys, symposium; print(json.dumps(sorted(sys.modules)))"
    done = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, cwd=tmp_path, check=True
    )
    imported = {name.split(".")[0] for name in json.loads(done.stdout.splitlines()[-1])}
    assert imported.isdisjoint({"flask", "sqlalchemy", "werkzeug", "flask_babel"})


#: ours, which import WeasyPrint's helpers, segno and the PDF layouts: imported by the views
#: and commands that make a PDF, when they do
LAZY_MODULES = (
    "symposium.documents.service",
    "symposium.documents.badges",
    "symposium.documents.booklet",
    "symposium.documents.certificates",
    "symposium.documents.door_lists",
    "symposium.documents.parallel",
)


def test_create_app_imports_none_of_the_pdf_makers(tmp_path):
    program = PROGRAM.replace('name.split(".")[0] in %r', "name in %r")
    done = subprocess.run(
        [sys.executable, "-c", program % (LAZY_MODULES,)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=True,
    )
    assert json.loads(done.stdout.splitlines()[-1]) == []
