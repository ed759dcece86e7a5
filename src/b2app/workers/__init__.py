"""The Dramatiq side of b2: the broker, the actors, and the ways to run workers."""
