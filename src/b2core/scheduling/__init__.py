"""Scheduling: message templates, scheduled messages and their exactly-once dispatcher."""
