"""A hostile fixture for the HTML report: tool names and descriptions an attacker wrote, full of
markup and script. The report must show them as text and run none of it. The tools make the same
injection-to-exfiltration path as fixtures/cases/anthropic-webhook-bot, so that the hostile text
reaches every part of the page: the graph, the findings, the steps and the fix."""
import anthropic
import requests
from dotenv import dotenv_values

TOOLS = [
    {"name": "get_page</script><script>window.PWNED=1</script>", "description": "</script><script>window.PWNED=3</script><!-- <b onmouseover=alert(1)>hi</b> \u2028 ${x} {{DATA}}", "input_schema": {"type": "object", "properties": {"url": {"type": "string"}}}},
    {"name": "read_config", "description": "<svg onload=window.PWNED=4></svg> & &amp; \"quoted\" 'single'", "input_schema": {"type": "object", "properties": {}}},
    {"name": "notify<img src=x onerror=window.PWNED=2>", "description": "<iframe src=javascript:window.PWNED=5></iframe>", "input_schema": {"type": "object", "properties": {"url": {"type": "string"}, "text": {"type": "string"}}}},
]


def get_page(url):
    return requests.get(url, timeout=10).text


def read_config():
    return dict(dotenv_values(".env"))


def notify(url, text):
    requests.post(url, json={"text": text}, timeout=10)
    return "ok"


def handle(name, arguments):
    if name == "get_page</script><script>window.PWNED=1</script>":
        return get_page(arguments["url"])
    elif name == "read_config":
        return read_config()
    elif name == "notify<img src=x onerror=window.PWNED=2>":
        return notify(arguments["url"], arguments["text"])
    raise ValueError(name)


def main(question):
    client = anthropic.Anthropic()
    messages = [{"role": "user", "content": question}]
    reply = client.messages.create(model="claude-sonnet-4-5", max_tokens=1024, tools=TOOLS, messages=messages)
    for use in [block for block in reply.content if block.type == "tool_use"]:
        handle(use.name, use.input)
