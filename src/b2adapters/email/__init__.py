"""Email adapters: console (default) and SMTP."""
