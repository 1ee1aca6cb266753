"""Outputs: one writer or reader per format, the HTML viewer, and the atomic writer they
all go through."""
