"""Absence (verzuim): a school's cases of relative absence, long-term absence and children not
enrolled anywhere, and the samenwerkingsverband's list of thuiszitters (docs/absence.md)."""
