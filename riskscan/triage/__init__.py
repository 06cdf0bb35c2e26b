"""Triage: what the team chose to see. Ranked findings in, the findings a report shows out:
rules selected by code prefix (select.py), findings accepted with a reason (suppressions.py) or
when riskscan was adopted (baseline.py), and findings outside the files changed since a git
revision (diff.py). Each choice is counted in the report, never dropped in silence."""
