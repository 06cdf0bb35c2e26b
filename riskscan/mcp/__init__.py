"""Commands beside `scan` for MCP servers: `riskscan lock` pins the tools of every tool manifest
(lock.py; the scan reads the lockfile back: riskscan/extract/lockfile.py), and `riskscan probe`
starts a config's stdio servers, on request only, to save their tool lists (probe.py)."""
