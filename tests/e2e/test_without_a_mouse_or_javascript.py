"""Signing up with the keyboard alone, and in a browser with JavaScript switched off."""

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.e2e.pages import PersonalProgram, SignUpForm

pytestmark = pytest.mark.e2e

FULL = "Kenniscafé: wonen en huisuitzettingen"


class Keyboard:
    """Only keys: Tab to move, Space to tick, Enter to follow or send, arrows in radio groups."""

    def __init__(self, page: Page):
        self.page = page

    def tab_to(self, target: Locator, most: int = 40) -> None:
        """Press Tab until the target has focus, and check that a person can see where it is."""
        passed = []
        for _ in range(most):
            self.page.keyboard.press("Tab")
            if target.evaluate("element => element === document.activeElement"):
                self.expect_visible_focus()
                return
            passed.append(self.page.evaluate("document.activeElement.outerHTML.slice(0, 80)"))
        raise AssertionError(f"Tab never reached {target}; it went through:\n" + "\n".join(passed))

    def type(self, text: str) -> None:
        self.page.keyboard.type(text)

    def press(self, key: str) -> None:
        self.page.keyboard.press(key)

    def arrow_down_to(self, radio: Locator, most: int = 10) -> None:
        """In a radio group, arrows move and choose at once."""
        for _ in range(most):
            if radio.is_checked():
                break
            self.page.keyboard.press("ArrowDown")
        expect(radio).to_be_focused()
        expect(radio).to_be_checked()

    def expect_visible_focus(self) -> None:
        """The focused element looks different from how it looks without focus."""
        looks = self.page.evaluate(
            """() => {
                const element = document.activeElement;
                const look = () => {
                    const style = getComputedStyle(element);
                    return [style.outlineStyle, style.outlineWidth, style.outlineColor,
                            style.boxShadow, style.backgroundColor, style.color].join(" ");
                };
                const focused = look();
                element.blur();
                const unfocused = look();
                element.focus();
                return {focused, unfocused, tag: element.outerHTML.slice(0, 80)};
            }"""
        )
        assert looks["focused"] != looks["unfocused"], f"no visible focus on {looks['tag']}"


def test_an_attendee_signs_up_with_the_keyboard_alone(site, words, open_page):
    page = open_page(site)
    keyboard = Keyboard(page)
    page.goto("/")

    keyboard.press("Tab")
    skip_link = page.get_by_role("link", name=words.skip_link)
    expect(skip_link).to_be_focused()
    expect(skip_link).to_be_in_viewport()
    keyboard.press("Enter")
    expect(page.get_by_role("main")).to_be_focused()
    keyboard.press("Tab")  # past the header: the first thing in the page is the sign-up link
    expect(page.get_by_role("link", name=words.sign_up, exact=True)).to_be_focused()
    keyboard.expect_visible_focus()
    keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text(words.sign_up)

    form = SignUpForm(page, words)
    keyboard.tab_to(page.get_by_label(words.first_name, exact=True))
    keyboard.type("Zoë")
    keyboard.tab_to(page.get_by_label(words.last_name, exact=True))
    keyboard.type("李")
    keyboard.tab_to(page.get_by_label(words.email, exact=True))
    keyboard.type("keyboard@example.org")
    keyboard.tab_to(page.get_by_label(words.role, exact=True))
    keyboard.type(words.researcher)
    expect(page.get_by_label(words.role, exact=True)).to_have_value("researcher")

    keyboard.tab_to(form.round("Ronde 1").get_by_role("radio").first)
    keyboard.press("Space")
    keyboard.arrow_down_to(
        form.round("Ronde 1").get_by_role("radio", name="Schulden en bestaanszekerheid")
    )
    keyboard.tab_to(form.round("Ronde 2").get_by_role("radio").first)
    keyboard.press("Space")
    keyboard.arrow_down_to(
        form.round("Ronde 2").get_by_role("radio", name="Moreel beraad in het sociaal domein")
    )
    waiting_list = form.round("Ronde 2").get_by_role(
        "checkbox", name=words.waiting_list_for.format(title=FULL)
    )
    keyboard.tab_to(waiting_list)
    keyboard.press("Space")
    expect(waiting_list).to_be_checked()

    consent = page.get_by_role("checkbox", name=words.agree_to_privacy)
    keyboard.tab_to(consent)
    keyboard.press("Space")
    expect(consent).to_be_checked()
    keyboard.tab_to(page.get_by_role("button", name=words.sign_up, exact=True))
    keyboard.press("Enter")

    expect(page.get_by_role("heading", level=1)).to_have_text(words.you_are_signed_up)
    plan = PersonalProgram(page, words)
    expect(plan.held_in("Ronde 1")).to_contain_text("Schulden en bestaanszekerheid")
    expect(plan.held_in("Ronde 2")).to_contain_text("Moreel beraad in het sociaal domein")
    expect(plan.waiting_place(3, FULL)).to_be_visible()
    expect(page.get_by_text("Zoë 李", exact=True)).to_be_visible()


def test_an_attendee_signs_up_and_cancels_without_javascript(site, words, open_page):
    page = open_page(site, javascript=False)
    page.set_content("<p id=proof>off</p><script>proof.textContent = 'on'</script>")
    expect(page.locator("#proof")).to_have_text("off")  # this browser runs no page scripts
    page.goto("/")

    SignUpForm(page, words).sign_up(
        "Zoë",
        "Çelik-Bakker",
        "no-script@example.org",
        sessions={"Ronde 1": "Ervaringskennis in onderzoek", "Ronde 2": "Digitale ongelijkheid"},
        waiting_lists={"Ronde 2": FULL},
    )
    plan = PersonalProgram(page, words)
    expect(plan.held_in("Ronde 1")).to_contain_text("Ervaringskennis in onderzoek")
    expect(plan.held_in("Ronde 2")).to_contain_text("Digitale ongelijkheid")
    expect(plan.waiting_place(3, FULL)).to_be_visible()

    plan.manage_link().click()
    plan.change_session("Ronde 1", "Samen agenderen in de wijk")
    expect(plan.held_in("Ronde 1")).to_contain_text("Samen agenderen in de wijk")

    plan.cancel_registration()
    expect(page.get_by_text(words.cancelled, exact=True)).to_be_visible()
