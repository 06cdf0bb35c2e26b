"""Tools of the support desk. Each one is ordinary code; riskscan labels them from what they call."""

import smtplib
import sqlite3
import subprocess
from email.message import EmailMessage

import requests
from agents import function_tool

DATABASE = "customers.db"
SENDER = "support@example.com"


@function_tool
def fetch_page(url: str) -> str:
    """Download a web page so the agent can read a customer's link."""
    response = requests.get(url, timeout=10)
    return response.text[:20_000]


@function_tool
def read_customer_record(customer_id: str) -> str:
    """Look up a customer's account: name, address, plan and payment history."""
    connection = sqlite3.connect(DATABASE)
    rows = connection.execute("SELECT * FROM customers WHERE id = ?", (customer_id,)).fetchall()
    return repr(rows)


def _deliver(recipient: str, subject: str, body: str) -> None:
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = SENDER, recipient, subject
    message.set_content(body)
    with smtplib.SMTP("smtp.example.com") as server:
        server.send_message(message, SENDER, [recipient])


@function_tool
def send_email(recipient: str, subject: str, body: str) -> str:
    """Email a customer."""
    _deliver(recipient, subject, body)
    return "sent"


@function_tool(needs_approval=True)
def run_diagnostics(command: str) -> str:
    """Run a diagnostic command on the support server (e.g. `uptime`)."""
    completed = subprocess.run(command, shell=True, capture_output=True, text=True, timeout=30)
    return completed.stdout
