"""The HTTP API: one module per resource, plus the middleware and helpers they share."""
