"""Pupils: one row per child, found by their BSN or onderwijsnummer (stored encrypted, looked up
by a keyed hash), with their names, birth date, current school and parents or guardians."""
