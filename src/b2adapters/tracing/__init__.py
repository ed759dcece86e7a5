"""Tracer adapters: console JSON lines, and OpenTelemetry behind the ``otel`` extra."""
