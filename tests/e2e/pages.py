"""The site's pages as a person reads and uses them: by their words, labels and roles."""

import re
from dataclasses import dataclass

from playwright.sync_api import Locator, Page, expect


@dataclass(frozen=True)
class Words:
    """What the site says, in the language of the test, as a person reads it."""

    sign_up: str
    there_is_a_problem: str
    error_prefix: str
    first_name: str
    last_name: str
    email: str
    organisation: str
    role: str
    dietary_needs: str
    researcher: str
    agree_to_privacy: str
    you_are_signed_up: str
    your_registration: str
    your_personal_link: str
    change_session_for: str
    save_change: str
    change_saved: str
    cancel_registration: str
    download_badge: str
    are_you_sure: str
    yes_cancel: str
    cancelled: str
    waiting_list_for: str
    number_on_waiting_list: str
    seats_left: str
    one_seat_left: str
    skip_link: str
    page_not_found: str
    choose_a_round: str
    enter_last_name: str
    enter_email: str
    agree_message: str
    no_session: str
    full: str
    join_waiting_list_for: str
    joined_waiting_list: str
    leave_waiting_list: str
    left_waiting_list: str
    language_navigation: str
    go_to_program: str
    privacy_statement: str
    confirmation_subject: str
    program_changed_subject: str

    def seats(self, count: int) -> str:
        """'nog 4 plaatsen', 'nog 1 plaats' / '4 seats left', '1 seat left'."""
        return self.one_seat_left if count == 1 else self.seats_left.format(count=count)


WORDS = {
    "nl": Words(
        sign_up="Aanmelden",
        there_is_a_problem="Er is een probleem",
        error_prefix="Fout: ",
        first_name="Voornaam",
        last_name="Achternaam",
        email="E-mailadres",
        organisation="Organisatie",
        role="Rol",
        dietary_needs="Dieetwensen",
        researcher="Onderzoeker",
        agree_to_privacy="Ik ga akkoord met de privacyverklaring",
        you_are_signed_up="Je bent aangemeld",
        your_registration="Je aanmelding",
        your_personal_link="Je persoonlijke link",
        change_session_for="Deelsessie wijzigen voor {round}",
        save_change="Wijziging opslaan",
        change_saved="Je wijziging is opgeslagen.",
        cancel_registration="Aanmelding annuleren",
        download_badge="Download je badge",
        are_you_sure="Weet je zeker dat je wilt annuleren?",
        yes_cancel="Ja, mijn aanmelding annuleren",
        cancelled="Deze aanmelding is geannuleerd.",
        waiting_list_for="Wachtlijst: {title}",
        number_on_waiting_list="Je staat op nummer {position} van de wachtlijst voor {title}.",
        seats_left="nog {count} plaatsen",
        one_seat_left="nog 1 plaats",
        skip_link="Direct naar de inhoud",
        page_not_found="Pagina niet gevonden",
        choose_a_round="Kies een deelsessie, of geen deelsessie, voor Ronde 2.",
        enter_last_name="Vul je achternaam in.",
        enter_email="Vul je e-mailadres in.",
        agree_message="Ga akkoord met de privacyverklaring om je aan te melden.",
        no_session="Geen deelsessie",
        full="vol",
        join_waiting_list_for="Aanmelden voor de wachtlijst van {title}",
        joined_waiting_list="Je staat op de wachtlijst.",
        leave_waiting_list="Wachtlijst verlaten",
        left_waiting_list="Je staat niet meer op de wachtlijst.",
        language_navigation="Taal",
        go_to_program="Naar het programma",
        privacy_statement="Privacyverklaring",
        confirmation_subject="Je aanmelding voor {title}",
        program_changed_subject="Je programma voor {title} is gewijzigd",
    ),
    "en": Words(
        sign_up="Sign up",
        there_is_a_problem="There is a problem",
        error_prefix="Error: ",
        first_name="First name",
        last_name="Last name",
        email="E-mail address",
        organisation="Organisation",
        role="Role",
        dietary_needs="Dietary needs",
        researcher="Researcher",
        agree_to_privacy="I agree to the privacy statement",
        you_are_signed_up="You are signed up",
        your_registration="Your registration",
        your_personal_link="Your personal link",
        change_session_for="Change session for {round}",
        save_change="Save change",
        change_saved="Your change has been saved.",
        cancel_registration="Cancel registration",
        download_badge="Download your badge",
        are_you_sure="Are you sure you want to cancel?",
        yes_cancel="Yes, cancel my registration",
        cancelled="This registration has been cancelled.",
        waiting_list_for="Waiting list: {title}",
        number_on_waiting_list="You are number {position} on the waiting list for {title}.",
        seats_left="{count} seats left",
        one_seat_left="1 seat left",
        skip_link="Skip to main content",
        page_not_found="Page not found",
        choose_a_round="Choose a session, or no session, for Ronde 2.",
        enter_last_name="Enter your last name.",
        enter_email="Enter your e-mail address.",
        agree_message="Agree to the privacy statement to sign up.",
        no_session="No breakout session",
        full="full",
        join_waiting_list_for="Join the waiting list for {title}",
        joined_waiting_list="You are on the waiting list.",
        leave_waiting_list="Leave the waiting list",
        left_waiting_list="You have left the waiting list.",
        language_navigation="Language",
        go_to_program="Go to the program",
        privacy_statement="Privacy statement",
        confirmation_subject="Your registration for {title}",
        program_changed_subject="Your program for {title} has changed",
    ),
}


@dataclass(frozen=True)
class OrganiserWords:
    """What the organisers' area says, in the language of the test."""

    sign_in: str
    sign_in_for_organisers: str
    sign_in_to_see: str
    email: str
    password: str
    wrong_password: str
    organisers: str
    program: str
    edit: str
    edit_session: str
    title: str
    room: str
    save_changes: str
    session_saved: str
    enter_the_title: str
    check_in_page: str
    check_in: str
    name: str
    search: str
    count: str
    found: str
    is_checked_in: str
    checked_in_at: str
    no_longer_checked_in: str
    undo: str
    registrations: str
    move_to_another_session: str
    attendance_per_session: str
    question: str
    add_question: str
    question_added: str
    write_to_attendees: str
    subject: str
    message: str
    preview: str
    preview_for: str
    outbox: str
    messages: str
    breakout_sessions_in: str
    pages_of: str
    questions: str
    questions_page: str

    def counted(self, checked_in: int, expected: int) -> str:
        """The door page's count: '1 / 13 ingecheckt'."""
        return self.count.format(checked_in=checked_in, expected=expected)


ORGANISER_WORDS = {
    "nl": OrganiserWords(
        sign_in="Inloggen",
        sign_in_for_organisers="Inloggen voor organisatoren",
        sign_in_to_see="Log in om deze pagina te zien.",
        email="E-mailadres",
        password="Wachtwoord",
        wrong_password="Het e-mailadres of wachtwoord klopt niet.",
        organisers="Organisatoren",
        program="Programma",
        edit="Wijzigen",
        edit_session="Sessie wijzigen",
        title="Titel",
        room="Zaal",
        save_changes="Wijzigingen opslaan",
        session_saved="De sessie is opgeslagen.",
        enter_the_title="Vul de titel in.",
        check_in_page="Inchecken",
        check_in="Inchecken",
        name="Naam",
        search="Zoeken",
        count="{checked_in} / {expected} ingecheckt",
        found="Gevonden",
        is_checked_in="{name} is ingecheckt.",
        checked_in_at="Ingecheckt om {time}",
        no_longer_checked_in="{name} is niet meer ingecheckt.",
        undo="Ongedaan maken",
        registrations="Aanmeldingen",
        move_to_another_session="Naar een andere deelsessie verplaatsen",
        attendance_per_session="Aanwezigheid per deelsessie",
        question="Vraag",
        add_question="Vraag toevoegen",
        question_added="De vraag is toegevoegd.",
        write_to_attendees="Deelnemers mailen",
        subject="Onderwerp",
        message="Bericht",
        preview="Voorbeeld bekijken",
        preview_for="Voorbeeld voor {name}",
        outbox="Postvak uit",
        messages="Berichten",
        breakout_sessions_in="Deelsessies in {round}",
        pages_of="Pagina's van {title}",
        questions="Vragen",
        questions_page="Vragen op het aanmeldformulier",
    ),
    "en": OrganiserWords(
        sign_in="Sign in",
        sign_in_for_organisers="Sign in for organisers",
        sign_in_to_see="Sign in to see this page.",
        email="E-mail address",
        password="Password",
        wrong_password="The e-mail address or password is not right.",
        organisers="Organisers",
        program="Program",
        edit="Edit",
        edit_session="Edit session",
        title="Title",
        room="Room",
        save_changes="Save changes",
        session_saved="The session is saved.",
        enter_the_title="Enter the title.",
        check_in_page="Check-in",
        check_in="Check in",
        name="Name",
        search="Search",
        count="{checked_in} / {expected} checked in",
        found="Found",
        is_checked_in="{name} is checked in.",
        checked_in_at="Checked in at {time}",
        no_longer_checked_in="{name} is no longer checked in.",
        undo="Undo",
        registrations="Registrations",
        move_to_another_session="Move to another session",
        attendance_per_session="Attendance per session",
        question="Question",
        add_question="Add question",
        question_added="The question has been added.",
        write_to_attendees="Write to attendees",
        subject="Subject",
        message="Message",
        preview="Preview",
        preview_for="Preview for {name}",
        outbox="Outbox",
        messages="Messages",
        breakout_sessions_in="Breakout sessions in {round}",
        pages_of="Pages of {title}",
        questions="Questions",
        questions_page="Questions on the sign-up form",
    ),
}


class SignUpForm:
    """The sign-up form as a person fills it in, by its labels."""

    def __init__(self, page: Page, words: Words):
        self.page = page
        self.words = words

    def fill_in_details(
        self,
        first_name: str,
        last_name: str,
        email: str,
        organisation: str = "Gemeente Utrecht",
    ) -> None:
        page, words = self.page, self.words
        page.get_by_label(words.first_name, exact=True).fill(first_name)
        page.get_by_label(words.last_name, exact=True).fill(last_name)
        page.get_by_label(words.email, exact=True).fill(email)
        page.get_by_label(words.organisation, exact=True).fill(organisation)
        page.get_by_label(words.role, exact=True).select_option(label=words.researcher)

    def round(self, name: str) -> Locator:
        """The fieldset of one round, found by its legend ("Ronde 1 · 13.30–14.45 uur")."""
        return self.page.get_by_role("group", name=re.compile(rf"^{re.escape(name)} · "))

    def choose(self, round_name: str, session_title: str) -> None:
        self.round(round_name).get_by_role("radio", name=session_title, exact=True).check()

    def join_waiting_list(self, round_name: str, session_title: str) -> None:
        label = self.words.waiting_list_for.format(title=session_title)
        self.round(round_name).get_by_role("checkbox", name=label, exact=True).check()

    def agree_to_privacy_statement(self) -> None:
        self.page.get_by_role("checkbox", name=self.words.agree_to_privacy).check()

    def submit(self) -> None:
        self.page.get_by_role("button", name=self.words.sign_up, exact=True).click()

    def sign_up(
        self,
        first_name: str,
        last_name: str,
        email: str,
        sessions: dict[str, str],
        waiting_lists: dict[str, str] | None = None,
    ) -> None:
        """Open the form from the program and send it; `sessions` maps round to title."""
        self.page.get_by_role("link", name=self.words.sign_up, exact=True).click()
        self.fill_in_details(first_name, last_name, email)
        for round_name, title in sessions.items():
            self.choose(round_name, title)
        for round_name, title in (waiting_lists or {}).items():
            self.join_waiting_list(round_name, title)
        self.agree_to_privacy_statement()
        self.submit()
        expect(self.page.get_by_role("heading", level=1)).to_have_text(self.words.you_are_signed_up)


def session_card(page: Page, title: str) -> Locator:
    """A session on the program: its title, room, speakers and the seats left."""
    titled = page.get_by_role("listitem").filter(has=page.get_by_role("heading", name=title))
    return titled.filter(has_not=page.get_by_role("listitem"))  # the card, not its round


class PersonalProgram:
    """The manage page (and the confirmation, which is the same page) as a person reads it."""

    def __init__(self, page: Page, words: Words):
        self.page = page
        self.words = words

    def round(self, name: str) -> Locator:
        return self.page.get_by_role("region", name=re.compile(rf"^{re.escape(name)} · "))

    def held_in(self, round_name: str) -> Locator:
        """The line saying which session this person has a seat in."""
        return self.round(round_name).locator(".held")

    def waiting_place(self, position: int, title: str) -> Locator:
        text = self.words.number_on_waiting_list.format(position=position, title=title)
        return self.page.get_by_text(text, exact=True)

    def manage_link(self) -> Locator:
        return self.page.locator(".manage-link").get_by_role("link")

    def change_session(self, round_name: str, session_title: str) -> None:
        round_ = self.round(round_name)
        choice = round_.get_by_role("radio", name=session_title, exact=True)
        if not choice.is_visible():  # the choices fold away while a seat is held
            round_.get_by_text(self.words.change_session_for.format(round=round_name)).click()
        choice.check()
        round_.get_by_role("button", name=self.words.save_change).click()

    def cancel_registration(self) -> None:
        """Cancel, through the page that asks once more."""
        self.page.get_by_role("link", name=self.words.cancel_registration).click()
        expect(self.page.get_by_role("heading", level=1)).to_have_text(self.words.are_you_sure)
        self.page.get_by_role("button", name=self.words.yes_cancel).click()


class SignInForm:
    """The organisers' sign-in form."""

    def __init__(self, page: Page, words: OrganiserWords):
        self.page = page
        self.words = words

    def sign_in(self, email: str, password: str) -> None:
        """Fill in and send the form on the page; it does not wait for what comes next."""
        page, words = self.page, self.words
        expect(page.get_by_role("heading", level=1)).to_have_text(words.sign_in_for_organisers)
        page.get_by_label(words.email, exact=True).fill(email)
        page.get_by_label(words.password, exact=True).fill(password)
        page.get_by_role("main").get_by_role("button", name=words.sign_in, exact=True).click()


class DoorPage:
    """The check-in page at the door: the count on top, a search, a tap per person."""

    def __init__(self, page: Page, words: OrganiserWords):
        self.page = page
        self.words = words

    def count(self) -> Locator:
        return self.page.locator("#checkin-count")

    def search(self, text: str) -> None:
        self.page.get_by_role("searchbox", name=self.words.name).fill(text)
        self.page.get_by_role("button", name=self.words.search, exact=True).click()

    def person(self, name: str) -> Locator:
        """A person's line in the list, with their check-in button."""
        return self.page.get_by_role("listitem").filter(
            has=self.page.get_by_role("link", name=name, exact=True)
        )

    def check_in_button(self, name: str) -> Locator:
        return self.person(name).get_by_role("button", name=f"{self.words.check_in} {name}")

    def undo_button(self, name: str) -> Locator:
        return self.person(name).get_by_role(
            "button", name=re.compile(rf"^{re.escape(self.words.undo)} ")
        )
