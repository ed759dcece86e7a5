"""Tenants: the businesses that use b2, their profile and their lifecycle."""
