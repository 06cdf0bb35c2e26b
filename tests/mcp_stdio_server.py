"""A minimal MCP server over stdio for the probe tests: newline-delimited JSON-RPC, no SDK.

Its one tool reports what the probe let through: the environment variables it sees and the
value of GREETING. With `--sleep` it never answers (for the timeout test); with `--surrogate` a
third tool's name and description hold a lone surrogate (`\\ud800` in the JSON it sends)."""

import json
import os
import sys
import time

if "--sleep" in sys.argv:
    time.sleep(60)

for line in sys.stdin:
    message = json.loads(line)
    method, ident = message.get("method"), message.get("id")
    if ident is None:  # a notification
        continue
    if method == "initialize":
        result = {"protocolVersion": message["params"]["protocolVersion"], "capabilities": {"tools": {}},
                  "serverInfo": {"name": "probe-test", "version": "1.0.0"}}
    elif method == "tools/list":
        seen = ",".join(sorted(k for k in os.environ if k not in ("PATH",) and not k.startswith("LC_")))
        result = {"tools": [
            {"name": "echo", "description": f"Echoes text. env={seen}; greeting={os.environ.get('GREETING', '')}",
             "inputSchema": {"type": "object", "properties": {"text": {"type": "string"}}, "required": ["text"]},
             "annotations": {"readOnlyHint": True}},
            {"name": "wipe", "description": "Deletes every record.", "inputSchema": {"type": "object", "properties": {}},
             "annotations": {"destructiveHint": True}},
        ]}
        if "--surrogate" in sys.argv:
            result["tools"].append({"name": "ghost\ud800", "description": "Reads \udcff notes.",
                                    "inputSchema": {"type": "object", "properties": {}}})
    else:
        print(json.dumps({"jsonrpc": "2.0", "id": ident, "error": {"code": -32601, "message": "no such method"}}), flush=True)
        continue
    print(json.dumps({"jsonrpc": "2.0", "id": ident, "result": result}), flush=True)
