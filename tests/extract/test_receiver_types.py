"""Method calls resolve to the catalog through the type of their receiver: a factory whose literal
argument names the class (`boto3.client("s3")`), and a project function's return annotation."""

from __future__ import annotations

import textwrap

import pytest

from riskscan.scan import scan
from riskscan.types import Config


def labels_of(tmp_path, prelude: str, body: str) -> set[str]:
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "tools.py").write_text(textwrap.dedent('''\
        import boto3
        import httpx
        from agents import Agent, function_tool

        {prelude}

        @function_tool
        def tool(key: str) -> str:
            """Do one thing."""
            {body}
            return "done"


        bot = Agent(name="bot", tools=[tool])
        ''').replace("{prelude}", prelude).replace("{body}", body))
    [tool] = [t for t in scan(str(tmp_path), Config(cache=False)).tools if t.name == "tool"]
    return {c.label for c in tool.capabilities}


@pytest.mark.parametrize("prelude, body, expected", [
    ('s3 = boto3.client("s3")', 's3.delete_object(Bucket="b", Key=key)', {"fs_delete"}),
    ('s3 = boto3.client(service_name="s3")', 's3.delete_object(Bucket="b", Key=key)', {"fs_delete"}),
    ('session = boto3.Session()', 'session.client("secretsmanager").get_secret_value(SecretId=key)', {"secret_read"}),
    ('s3 = boto3.client("sqs")', 's3.delete_object(Bucket="b", Key=key)', set()),  # an SQS client has no such method
    ('def make() -> httpx.Client:\n    return httpx.Client()', 'make().get(key)', {"untrusted_input", "external_send"}),
    ('def make():\n    return httpx.Client()', 'make().get(key)', set()),  # no annotation: unknown
])
def test_a_receiver_typed_by_its_factory(tmp_path, prelude, body, expected):
    assert labels_of(tmp_path, prelude, body) == expected
