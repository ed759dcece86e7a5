"""b2adapters: implementations of the b2core ports (memory, SQL, Redis, Dramatiq, ...)."""
