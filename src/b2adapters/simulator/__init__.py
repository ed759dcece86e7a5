"""The simulator channel: customers simulated through the API, replies recorded, not sent."""
