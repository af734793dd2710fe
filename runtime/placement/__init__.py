"""Placement: a region's central placement round (docs/placement.md). The policy is a
definition (engine/placement); the round runs as a job on the registrations of the region's
schools, and schools, the samenwerkingsverband and parents see its result."""
