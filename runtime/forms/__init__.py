"""Filling forms: the definitions registry, drafts, submissions and their routes."""
