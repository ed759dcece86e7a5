"""Use cases of billing: the platform's catalog (``catalog``), provider events (``webhooks``),
manual payments (``manual``) and a tenant's own billing (``account``).

Each mutating handler writes exactly one audit entry in its transaction.
"""
