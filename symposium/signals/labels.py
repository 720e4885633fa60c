"""What people read for each kind, perspective, source and status, in their language."""

from flask_babel import lazy_gettext as _l

from symposium.signals.models import AgendaStatus, Perspective, SignalKind, SignalSource

KINDS = {
    SignalKind.practice: _l("Signal from practice"),
    SignalKind.research_question: _l("Question for research"),
    SignalKind.bottleneck: _l("Bottleneck in policy or rules"),
    SignalKind.promising_practice: _l("Promising practice"),
}

PERSPECTIVES = {
    Perspective.professional: _l("Professional practice"),
    Perspective.policy: _l("Policy"),
    Perspective.research: _l("Research"),
    Perspective.education: _l("Education"),
    Perspective.student: _l("Student"),
    Perspective.lived_experience: _l("Lived experience"),
}

SOURCES = {
    SignalSource.sign_up: _l("Sign-up"),
    SignalSource.room: _l("In the room"),
    SignalSource.rapporteur: _l("Rapporteur"),
    SignalSource.afterwards: _l("Afterwards"),
    SignalSource.organiser: _l("Organisers"),
    SignalSource.evaluation: _l("Evaluation"),
}

AGENDA_STATUSES = {
    AgendaStatus.proposed: _l("Proposed"),
    AgendaStatus.on_agenda: _l("On the agenda"),
    AgendaStatus.researching: _l("Being researched"),
    AgendaStatus.answered: _l("Answered"),
    AgendaStatus.taken_up: _l("Taken up by policy"),
}
