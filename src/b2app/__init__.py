"""b2app: the edge of b2 (settings, composition root, HTTP API, workers, command line)."""
