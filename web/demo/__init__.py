"""The demo: a classroom video composed from photos, and a database seeded to watch it."""
