"""Transfers: a pupil's move from one school to another (or a parent's registration), run by
the region's procedure definition (engine/procedures), with its register, timeline and tasks."""
