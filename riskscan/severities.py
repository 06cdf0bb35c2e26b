"""The severities of findings, most severe first, and the confidences, surest first. A module of
its own so that the command line can name them without loading the data model (`riskscan --help`
stays fast)."""

SEVERITIES = ("critical", "high", "medium", "low", "note")
CONFIDENCES = ("high", "medium", "low")
