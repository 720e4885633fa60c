"""The outbox: what to send (messages), and how it goes out (delivery, worker)."""
