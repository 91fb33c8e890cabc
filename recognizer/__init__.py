"""Faces to identities: detection, alignment, embedding, galleries, decision rule."""
