"""Feature controllers mounted under ``/api/v1``: one module per area, thin translators only."""
