"""Shared kernel: ids, money, time, errors, pagination and the unit of work."""
