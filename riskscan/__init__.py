"""riskscan: finds what an AI agent system could do wrong before anything runs."""

__version__ = "0.1.0"
