"""The HTTP edge of b2: the Litestar app, its error layer, request context and operations routes."""
