"""Agno's built-in toolkits: which tools each constructor registers. A toolkit's tools are
catalogued one by one in rulesets/builtin_tools_agno.yaml (`agno.tools.shell.ShellTools.run_shell_command`);
this table says which keyword turns each on and whether it is on by default, as the constructors of
agno 3.1.10 decide (agno/tools/*.py, read by hand and by their `if enable_x: tools.append(self.x)`):
a method the table does not name is always registered; `"enable_x"` is on unless `enable_x=False`;
`"enable_x=off"` is off unless `enable_x=True` (or `all=True`); `"!knowledge"` is registered unless
the keyword is given (its `"knowledge=off"` twin only when it is). Then, as `Toolkit.__init__` does,
`include_tools` / `exclude_tools` filter the names and `requires_confirmation_tools` puts an approval
gate on the tools it names; `external_execution_required_tools` hands them to the application
(reported, no gate: what the application does with the call is its own code).
"""

from __future__ import annotations

from riskscan.extract.python.syntax import cst
from riskscan.extract.python.values import keyword, string_list
from riskscan.types import Gate, Items, Ref, ToolFact, Value

FRAMEWORK = "agno"
FLAGS: dict[str, dict[str, str]] = {
    "agno.tools.websearch.WebSearchTools": {"web_search": "enable_search", "search_news": "enable_news"},
    "agno.tools.duckduckgo.DuckDuckGoTools": {"web_search": "enable_search", "search_news": "enable_news"},
    "agno.tools.hackernews.HackerNewsTools": {"get_top_hackernews_stories": "enable_get_top_stories", "get_user_details": "enable_get_user_details"},
    "agno.tools.yfinance.YFinanceTools": {"get_current_stock_price": "enable_stock_price", "get_company_info": "enable_company_info=off", "get_stock_fundamentals": "enable_stock_fundamentals=off", "get_income_statements": "enable_income_statements=off", "get_key_financial_ratios": "enable_key_financial_ratios=off", "get_analyst_recommendations": "enable_analyst_recommendations=off", "get_company_news": "enable_company_news=off", "get_technical_indicators": "enable_technical_indicators=off", "get_historical_stock_prices": "enable_historical_prices=off"},
    "agno.tools.exa.ExaTools": {"search_exa": "enable_search", "get_contents": "enable_get_contents", "find_similar": "enable_find_similar", "exa_answer": "enable_answer", "research": "enable_research=off"},
    "agno.tools.tavily.TavilyTools": {"web_search_with_tavily": "enable_search_context=off", "web_search_using_tavily": "!enable_search_context", "extract_url_content": "enable_extract=off"},
    "agno.tools.wikipedia.WikipediaTools": {"search_wikipedia_and_update_knowledge_base": "knowledge=off", "search_wikipedia": "!knowledge"},
    "agno.tools.arxiv.ArxivTools": {"search_arxiv_and_return_articles": "enable_search_arxiv", "read_arxiv_papers": "enable_read_arxiv_papers"},
    "agno.tools.pubmed.PubmedTools": {"search_pubmed": "enable_search_pubmed"},
    "agno.tools.newspaper4k.Newspaper4kTools": {"read_article": "enable_read_article"},
    "agno.tools.website.WebsiteTools": {"add_website_to_knowledge": "knowledge=off", "read_url": "!knowledge"},
    "agno.tools.crawl4ai.Crawl4aiTools": {"crawl": "enable_crawl"},
    "agno.tools.firecrawl.FirecrawlTools": {"scrape_website": "enable_scrape", "crawl_website": "enable_crawl=off", "map_website": "enable_mapping=off", "search_web": "enable_search=off"},
    "agno.tools.jina.JinaReaderTools": {"read_url": "enable_read_url", "search_query": "enable_search_query=off"},
    "agno.tools.parallel.ParallelTools": {"parallel_search": "enable_search", "parallel_extract": "enable_extract", "create_task": "enable_task=off", "get_task_status": "enable_task=off", "get_task_result": "enable_task=off", "create_monitor": "enable_monitor=off", "get_monitor": "enable_monitor=off", "update_monitor": "enable_monitor=off", "list_monitors": "enable_monitor=off", "get_monitor_events": "enable_monitor=off", "cancel_monitor": "enable_monitor=off"},
    "agno.tools.youtube.YouTubeTools": {"get_youtube_video_captions": "enable_get_video_captions", "get_youtube_video_data": "enable_get_video_data", "get_video_timestamps": "enable_get_video_timestamps"},
    "agno.tools.serper.SerperTools": {"search_web": "enable_search", "search_news": "enable_search_news", "search_scholar": "enable_search_scholar", "scrape_webpage": "enable_scrape_webpage"},
    "agno.tools.bravesearch.BraveSearchTools": {"brave_search": "enable_brave_search"},
    "agno.tools.email.EmailTools": {"email_user": "enable_email_user"},
    "agno.tools.google.gmail.GmailTools": {"get_latest_emails": "get_latest_emails", "get_emails_from_user": "get_emails_from_user", "get_unread_emails": "get_unread_emails", "get_starred_emails": "get_starred_emails", "get_emails_by_context": "get_emails_by_context", "get_emails_by_date": "get_emails_by_date", "get_emails_by_thread": "get_emails_by_thread", "search_emails": "search_emails", "mark_email_as_read": "mark_email_as_read", "mark_email_as_unread": "mark_email_as_unread", "star_email": "star_email", "unstar_email": "unstar_email", "archive_email": "archive_email=off", "create_draft_email": "create_draft_email", "send_email": "send_email", "send_email_reply": "send_email_reply", "list_custom_labels": "list_custom_labels", "apply_label": "apply_label", "remove_label": "remove_label", "delete_custom_label": "delete_custom_label", "get_message": "get_message", "get_thread": "get_thread", "search_threads": "search_threads", "modify_thread_labels": "modify_thread_labels=off", "trash_thread": "trash_thread=off", "get_draft": "get_draft", "list_drafts": "list_drafts", "send_draft": "send_draft=off", "update_draft": "update_draft", "list_labels": "list_labels=off", "modify_message_labels": "modify_message_labels=off", "trash_message": "trash_message=off", "download_attachment": "download_attachment=off"},
    "agno.tools.google.calendar.GoogleCalendarTools": {"list_events": "list_events", "get_event": "get_event", "fetch_all_events": "fetch_all_events", "find_available_slots": "find_available_slots", "list_calendars": "list_calendars", "check_availability": "check_availability", "get_event_attendees": "get_event_attendees", "search_events": "search_events", "create_event": "create_event", "update_event": "update_event", "delete_event": "delete_event", "quick_add_event": "quick_add_event=off", "move_event": "move_event=off", "respond_to_event": "respond_to_event=off"},
    "agno.tools.google.drive.GoogleDriveTools": {"list_files": "list_files", "search_files": "search_files", "read_file": "read_file", "upload_file": "upload_file=off", "download_file": "download_file=off"},
    "agno.tools.slack.SlackTools": {"send_message": "enable_send_message", "send_message_thread": "enable_send_message_thread", "list_channels": "enable_list_channels", "get_channel_history": "enable_get_channel_history", "upload_file": "enable_upload_file", "download_file": "enable_download_file", "search_messages": "enable_search_messages=off", "search_workspace": "enable_search_workspace=off", "get_thread": "enable_get_thread=off", "list_users": "enable_list_users=off", "get_user_info": "enable_get_user_info=off", "get_channel_info": "enable_get_channel_info=off"},
    "agno.tools.discord.DiscordTools": {"send_message": "enable_send_message", "get_channel_messages": "enable_get_channel_messages", "get_channel_info": "enable_get_channel_info", "list_channels": "enable_list_channels", "delete_message": "enable_delete_message"},
    "agno.tools.telegram.TelegramTools": {"send_message": "enable_send_message", "send_photo": "enable_send_photo=off", "send_document": "enable_send_document=off", "send_video": "enable_send_video=off", "send_audio": "enable_send_audio=off", "send_animation": "enable_send_animation=off", "send_sticker": "enable_send_sticker=off", "edit_message": "enable_edit_message=off", "delete_message": "enable_delete_message=off", "react_with_emoji": "enable_react_with_emoji=off", "pin_message": "enable_pin_message=off", "get_chat": "enable_get_chat=off", "get_file": "enable_get_file=off"},
    "agno.tools.resend.ResendTools": {"send_email": "enable_send_email"},
    "agno.tools.aws_ses.AWSSESTool": {"send_email": "enable_send_email"},
    "agno.tools.twilio.TwilioTools": {"send_sms": "enable_send_sms", "get_call_details": "enable_get_call_details", "list_messages": "enable_list_messages"},
    "agno.tools.whatsapp.WhatsAppTools": {"send_text_message": "enable_send_text_message", "send_template_message": "enable_send_template_message", "send_reply_buttons": "enable_send_reply_buttons=off", "send_list_message": "enable_send_list_message=off", "send_image": "enable_send_image=off", "send_document": "enable_send_document=off", "send_location": "enable_send_location=off", "send_reaction": "enable_send_reaction=off"},
    "agno.tools.shell.ShellTools": {"run_shell_command": "enable_run_shell_command"},
    "agno.tools.python.PythonTools": {},
    "agno.tools.file.FileTools": {"save_file": "enable_save_file", "read_file": "enable_read_file", "list_files": "enable_list_files", "search_files": "enable_search_files", "delete_file": "enable_delete_file=off", "read_file_chunk": "enable_read_file_chunk", "replace_file_chunk": "enable_replace_file_chunk", "search_content": "enable_search_content"},
    "agno.tools.local_file_system.LocalFileSystemTools": {"write_file": "enable_write_file", "read_file": "enable_read_file"},
    "agno.tools.coding.CodingTools": {"read_file": "enable_read_file", "edit_file": "enable_edit_file", "write_file": "enable_write_file", "run_shell": "enable_run_shell=off", "grep": "enable_grep=off", "find": "enable_find=off", "ls": "enable_ls=off"},
    "agno.tools.github.GithubTools": {},
    "agno.tools.sql.SQLTools": {"list_tables": "enable_list_tables", "describe_table": "enable_describe_table", "run_sql_query": "enable_run_sql_query"},
    "agno.tools.postgres.PostgresTools": {},
    "agno.tools.duckdb.DuckDbTools": {},
    "agno.tools.e2b.E2BTools": {},
    "agno.tools.daytona.DaytonaTools": {},
    "agno.tools.docker.DockerTools": {},
    "agno.tools.calculator.CalculatorTools": {},
    "agno.tools.reasoning.ReasoningTools": {"think": "enable_think", "analyze": "enable_analyze"},
    "agno.tools.sleep.SleepTools": {"sleep": "enable_sleep"},
    "agno.tools.user_control_flow.UserControlFlowTools": {"get_user_input": "enable_get_user_input"},
    "agno.tools.user_feedback.UserFeedbackTools": {},
    "agno.tools.knowledge.KnowledgeTools": {"think": "enable_think", "search_knowledge": "enable_search", "analyze": "enable_analyze"},
    "agno.tools.memory.MemoryTools": {"think": "enable_think", "get_memories": "enable_get_memories", "add_memory": "enable_add_memory", "update_memory": "enable_update_memory", "delete_memory": "enable_delete_memory", "analyze": "enable_analyze"},
    "agno.tools.mem0.Mem0Tools": {"add_memory": "enable_add_memory", "search_memory": "enable_search_memory", "get_all_memories": "enable_get_all_memories", "delete_all_memories": "enable_delete_all_memories"},
    "agno.tools.file.FileGenerationTools": {"generate_json_file": "enable_json_generation", "generate_csv_file": "enable_csv_generation", "generate_pdf_file": "enable_pdf_generation", "generate_docx_file": "enable_docx_generation", "generate_text_file": "enable_txt_generation", "generate_html_file": "enable_html_generation", "generate_code_file": "enable_code_generation"},
    "agno.tools.trafilatura.TrafilaturaTools": {"extract_text": "enable_extract_text", "extract_metadata_only": "enable_extract_metadata_only", "html_to_text": "enable_html_to_text", "extract_batch": "enable_extract_batch", "crawl_website": "enable_crawl_website"},
    "agno.tools.spider.SpiderTools": {"search_web": "enable_search", "scrape": "enable_scrape", "crawl": "enable_crawl"},
    "agno.tools.brightdata.BrightDataTools": {"scrape_as_markdown": "enable_scrape_markdown", "get_screenshot": "enable_screenshot", "search_engine": "enable_search_engine", "web_data_feed": "enable_web_data_feed"},
    "agno.tools.serpapi.SerpApiTools": {"search_google": "enable_search_google", "search_youtube": "enable_search_youtube=off"},
    "agno.tools.baidusearch.BaiduSearchTools": {"baidu_search": "enable_baidu_search"},
    "agno.tools.searxng.Searxng": {},
    "agno.tools.webbrowser.WebBrowserTools": {"open_page": "enable_open_page"},
    "agno.tools.openweather.OpenWeatherTools": {"get_current_weather": "enable_current_weather", "get_forecast": "enable_forecast", "get_air_pollution": "enable_air_pollution", "geocode_location": "enable_geocoding"},
    "agno.tools.visualization.VisualizationTools": {"create_bar_chart": "enable_create_bar_chart", "create_line_chart": "enable_create_line_chart", "create_pie_chart": "enable_create_pie_chart", "create_scatter_plot": "enable_create_scatter_plot", "create_histogram": "enable_create_histogram"},
    "agno.tools.csv_toolkit.CsvTools": {"read_csv_file": "enable_read_csv_file", "list_csv_files": "enable_list_csv_files", "get_columns": "enable_get_columns", "query_csv_file": "enable_query_csv_file"},
    "agno.tools.pandas.PandasTools": {"create_pandas_dataframe": "enable_create_pandas_dataframe", "run_dataframe_operation": "enable_run_dataframe_operation"},
    "agno.tools.aws_lambda.AWSLambdaTools": {"list_functions": "enable_list_functions", "invoke_function": "enable_invoke_function"},
    "agno.tools.jira.JiraTools": {"get_issue": "enable_get_issue", "create_issue": "enable_create_issue", "search_issues": "enable_search_issues", "add_comment": "enable_add_comment", "add_worklog": "enable_add_worklog"},
    "agno.tools.confluence.ConfluenceTools": {},
    "agno.tools.google.sheets.GoogleSheetsTools": {},
    "agno.tools.todoist.TodoistTools": {},
}
ALIASES = {
    "agno.tools.file.file.FileTools": "agno.tools.file.FileTools",
    "agno.tools.knowledge.knowledge.KnowledgeTools": "agno.tools.knowledge.KnowledgeTools",
    "agno.tools.file.generation.FileGenerationTools": "agno.tools.file.FileGenerationTools",
    "agno.tools.file_generation.FileGenerationTools": "agno.tools.file.FileGenerationTools",
    "agno.tools.searxng.SearxngTools": "agno.tools.searxng.Searxng",
}
TOOLKITS = frozenset(FLAGS) | frozenset(ALIASES)


def methods_of(catalog, toolkit: str) -> list[str]:
    """The catalogued tools of a toolkit class, in catalog order."""
    prefix = toolkit + "."
    return [name[len(prefix):] for name in catalog if name.startswith(prefix) and "." not in name[len(prefix):]]


def enabled(call: cst.Call, toolkit: str, methods: list[str]) -> list[str]:
    """The methods the constructor call registers (a flag given as a non-literal counts as on)."""
    flags = FLAGS.get(ALIASES.get(toolkit, toolkit), {})
    everything = _flag(keyword(call, "all")) is True
    found = []
    for method in methods:
        flag = flags.get(method)
        if flag is None:
            found.append(method)
            continue
        name, _, off = flag.lstrip("!").partition("=")
        given = keyword(call, name)
        if name == "knowledge":
            on = (given is not None and not _is_none(given)) != flag.startswith("!")
        elif given is None:
            on = everything or not off
        else:
            on = _flag(given) is not False
        if on:
            found.append(method)
    return found


def _is_none(node: cst.BaseExpression) -> bool:
    return isinstance(node, cst.Name) and node.value == "None"


def _flag(node: cst.BaseExpression | None) -> bool | None:
    if isinstance(node, cst.Name) and node.value in ("True", "False"):
        return node.value == "True"
    return None


def toolkit_tools(adapter, call: cst.Call, toolkit: str, location) -> Value:
    """The tools a built-in toolkit's constructor call gives an agent, each with its gates."""
    ctx = adapter.ctx
    catalog = ctx.rulesets.builtin_index()
    names = enabled(call, toolkit, methods_of(catalog, toolkit))
    names = filtered(ctx, call, names)
    gates = hitl_gates(ctx, call, names)
    refs = []
    for method in names:
        builtin = f"{toolkit}.{method}"
        # `<toolkit Class@line/method>`: one toolkit call's tools, as `<hosted mcp server/tool>` are one server's
        fact = ToolFact(f"{ctx.module_name}.<toolkit {toolkit.rsplit('.', 1)[-1]}@{location.line}/{method}>", method, FRAMEWORK, location,
                        builtin=builtin, gates=gates.get(method, ()))
        refs.append(Ref(ctx.add_tool(fact), location))
    return Items(tuple(refs))


def filtered(ctx, call: cst.Call, names: list[str]) -> list[str]:
    """`include_tools=[...]` / `exclude_tools=[...]`, as Toolkit.__init__ applies them."""
    for key, keep in (("include_tools", True), ("exclude_tools", False)):
        node = keyword(call, key)
        if node is None:
            continue
        listed = string_list(node)
        if listed is None:
            ctx.diagnose(node, "partial-filter", f"{key} is not a literal list; not applied", "info")
            continue
        names = [n for n in names if (n in listed) == keep]
    return names


def hitl_gates(ctx, call: cst.Call, names: list[str] | None) -> dict[str, tuple[Gate, ...]]:
    """`requires_confirmation_tools=[...]`: an approval gate on each tool named;
    `external_execution_required_tools=[...]` is noted (the application runs those calls)."""
    gates: dict[str, tuple[Gate, ...]] = {}
    node = keyword(call, "requires_confirmation_tools")
    if node is not None:
        listed = string_list(node)
        if listed is None:
            ctx.diagnose(node, "unresolved-gate", "requires_confirmation_tools is not a literal list; no approval gate recorded", "info")
        for name in listed or []:
            gates[name] = (Gate("approval", f"requires_confirmation_tools: the run pauses until the user confirms each {name} call", ctx.loc(node)),)
            if names is not None and name not in names:
                ctx.diagnose(node, "unknown-tool-name", f"requires_confirmation_tools names {name!r}, which this toolkit does not register", "info")
    external = keyword(call, "external_execution_required_tools")
    if external is not None:
        ctx.diagnose(external, "gate-not-modelled", "external_execution_required_tools: the run pauses and the application runs those calls itself; no gate recorded", "info")
    return gates
