"""Presence: tracked, voted identities of the faces in live camera frames, as attendance events."""
