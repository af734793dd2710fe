"""Placement policies and rounds."""
