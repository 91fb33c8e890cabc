"""End to end: the whole service driven as its users drive it, cameras of every kind."""
