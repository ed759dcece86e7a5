"""Cryptographic adapters: password hashing, token codecs and field encryption."""
