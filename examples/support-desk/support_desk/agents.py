"""The agents: Triage routes, Researcher reads the web, Billing handles accounts."""

from agents import Agent, WebSearchTool

from support_desk.tools import fetch_page, read_customer_record, run_diagnostics, send_email

billing = Agent(
    name="Billing",
    instructions="Answer billing questions. Email the customer a summary when done.",
    tools=[read_customer_record, send_email],
)

researcher = Agent(
    name="Researcher",
    instructions="Read the pages customers link to. Hand billing questions to Billing.",
    tools=[fetch_page],
    handoffs=[billing],
)

triage = Agent(
    name="Triage",
    instructions="Route the customer to the right specialist. Use diagnostics for outages.",
    tools=[WebSearchTool(), run_diagnostics],
    handoffs=[researcher, billing],
)
