"""Dramatiq adapters: brokers with b2's retry policy, the task queue and the dead letters."""
