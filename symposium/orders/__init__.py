"""Organisations and money: tickets, group sign-up, orders, invoices and credit notes."""
