"""The stand-in Mollie server as a fixture: the app's payments go there."""

import pytest

from symposium.payments.standin import MollieStandIn


@pytest.fixture
def mollie(app_under_test):
    """A stand-in Mollie on a free loopback port, with the app pointed at it."""
    with MollieStandIn() as standin:
        app_under_test.config.update(
            MOLLIE_API_KEY="test_standin",
            MOLLIE_API_ENDPOINT=standin.base_url,
            MOLLIE_TIMEOUT=5,
        )
        yield standin
