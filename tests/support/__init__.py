"""Test support: real-service fixtures and helpers shared by the suites."""
