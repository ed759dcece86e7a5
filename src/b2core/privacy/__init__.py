"""Privacy: export and erasure of the personal data held about a tenant's customers."""
