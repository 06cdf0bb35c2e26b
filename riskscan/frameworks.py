"""The agent frameworks the Python extractor's adapters read, and the MCP clients whose configs riskscan reads: the id each adapter records in the
`framework` of its facts, and the name people know the framework by.

Plain data with no imports, so that `riskscan --help` can list what riskscan reads without loading
libcst. Each adapter names its ids in `frameworks` (riskscan/extract/python/adapters/);
tests/extract/test_frameworks_registry.py checks that the adapters and this table agree.
"""

from __future__ import annotations

# framework id -> display name, in the order `--help` lists them
FRAMEWORKS: dict[str, str] = {
    "openai-agents": "OpenAI Agents SDK",
    "mcp-sdk": "MCP Python SDK",
    "langchain": "LangChain",
    "langgraph": "LangGraph",
    "crewai": "CrewAI",
    "smolagents": "smolagents",
    "autogen": "AutoGen (AgentChat and Core)",
    "pydantic-ai": "Pydantic AI",
    "llama-index": "LlamaIndex",
    "dspy": "DSPy",
    "semantic-kernel": "Semantic Kernel",
    "haystack": "Haystack",
    "google-adk": "Google ADK",
    "claude-agent-sdk": "Claude Agent SDK",
    "strands": "Strands Agents",
    "agno": "Agno",
    "openai-responses": "OpenAI Responses API hosted MCP tools",
    "function-calling": "plain OpenAI/Anthropic function calling",
}

# agent frameworks riskscan does not read, by the top-level module they are imported from: a file
# importing one gets a diagnostic (its agents and tools are not in the graph), never silence
UNREAD_FRAMEWORKS: dict[str, str] = {
    "mcp_agent": "mcp-agent",
    "autogen": "AutoGen 0.2 / AG2 (autogen)",
    "camel": "CAMEL",
    "letta": "Letta",
    "letta_client": "Letta",
    "langroid": "Langroid",
    "swarm": "OpenAI Swarm",
    "griptape": "Griptape",
    "controlflow": "ControlFlow",
    "marvin": "Marvin",
    "atomic_agents": "Atomic Agents",
    "beeai_framework": "BeeAI Framework",
    "llama_stack_client": "Llama Stack",
    "phi": "phidata",
    "langflow": "Langflow",
    "praisonaiagents": "PraisonAI",
    "upsonic": "Upsonic",
    "julep": "Julep",
}


def display_name(framework: str) -> str:
    """The framework's display name; an id this table does not know is shown as it is."""
    return FRAMEWORKS.get(framework, framework)


def listing() -> str:
    """Every framework's display name, comma-separated, for prose."""
    return ", ".join(FRAMEWORKS.values())


# the MCP clients whose configs the extractors read, by the name their facts carry as the client
# (riskscan/extract/configs/mcp_config.py, codex_config.py, continue_config.py), in the order `--help` lists them
MCP_CLIENTS: tuple[str, ...] = (
    "Claude Desktop", "Claude Code", "Cursor", "VS Code", "Windsurf", "Gemini CLI", "Zed", "Continue", "Codex",
)


def client_listing() -> str:
    """Every MCP client's name, comma-separated, for prose."""
    return ", ".join(MCP_CLIENTS)
