"""Orders: the tenant's service catalog and the orders customers place from it."""
