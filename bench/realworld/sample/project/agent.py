# The benchmark's own sample project (bench/realworld/sample/expectations.yaml judges its findings):
# a researcher that reads web pages and can run shell commands (a true injection-to-execution path),
# a notifier whose tools hand text to a formatting library riskscan does not know and are named
# after email (a finding from words alone, judged false), and the reviewer's known miss.
import subprocess

import requests
from agents import Agent, function_tool
from templating import render_template


@function_tool
def fetch_page(url: str) -> str:
    """Fetch a web page and return its text."""
    return requests.get(url, timeout=10).text


@function_tool
def run_command(command: str) -> str:
    """Run a shell command and return its output."""
    return subprocess.run(command, shell=True, capture_output=True, text=True).stdout


@function_tool
def read_inbox_email(folder: str) -> str:
    """Read the latest email in a folder."""
    return render_template(folder)


@function_tool
def send_email_reply(to: str, body: str) -> str:
    """Send an email reply."""
    return render_template(f"{to}: {body}")


researcher = Agent(name="Researcher", instructions="Research the question.", tools=[fetch_page, run_command])
notifier = Agent(name="Notifier", instructions="Answer mail.", tools=[read_inbox_email, send_email_reply])
