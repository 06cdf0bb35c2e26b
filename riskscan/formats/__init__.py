"""The text formats riskscan reads, parsed with the line and column of every value: JSON and JSONC
(json_input.py), YAML (yaml_input.py), TOML (toml_input.py). Bytes or text in, plain values and
their positions out, or a syntax error with its place. Shared by the extractors, the rulesets, the
configuration, suppressions and traces; they know nothing of what the documents mean."""
