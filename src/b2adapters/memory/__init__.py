"""In-memory adapters: real implementations of the ports, held to the same contracts."""
