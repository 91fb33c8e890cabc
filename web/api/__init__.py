"""The HTTP API: one module per resource. The plumbing they share is `web.http`."""
