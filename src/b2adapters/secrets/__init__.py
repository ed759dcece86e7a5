"""Secrets adapters: environment (default), HashiCorp Vault, AWS and GCP, and a TTL cache."""
