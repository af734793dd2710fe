"""Organisations: SWVs, school boards (besturen) and school locations."""
