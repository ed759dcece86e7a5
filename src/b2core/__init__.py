"""b2core: the pure domain of b2 (models, policies, use cases and ports); no I/O libraries."""
