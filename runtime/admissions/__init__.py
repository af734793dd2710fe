"""Admissions: a registration (aanmelding) at the schools of the parents' choice, within the
legal terms of WPO art. 40 and 63, and who holds the duty of care (zorgplicht) on every day.

The logic is pure and lives in two modules without database or web: :mod:`.clock` derives a
registration's terms at one school from its events (received, information requested and
received, extended, decided, withdrawn), checks a new event and plans the alerts before each
deadline; :mod:`.duty` derives from the histories of all the parents' choices which school holds
the zorgplicht on each day, and says when a school may refuse a child who needs extra support.
docs/procedures.md ("Terms and the duty of care") explains the rules as POPO applies them.
"""
