"""Support desk agents (example for riskscan: a vulnerable multi-agent system)."""
