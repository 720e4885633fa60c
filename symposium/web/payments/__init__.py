"""Online payments' web face: Mollie's webhook and the payer's return from Mollie."""
