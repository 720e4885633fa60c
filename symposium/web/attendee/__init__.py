"""Pages of one attendee: sign-up, the manage page, certificates."""
