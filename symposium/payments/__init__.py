"""Online payments through Mollie (iDEAL and cards): create, fetch status, refund."""
