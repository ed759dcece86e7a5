"""Stripe adapters: the billing gateway over the official SDK, event parsing, webhook checks."""
