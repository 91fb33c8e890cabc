"""The store's command-line: `rollcall db migrate|status` and `rollcall bench store`."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import pytest

from tests.postgres_fixtures import PostgresForTests
from web.cli import main


def _last_json(capsys: pytest.CaptureFixture[str]) -> dict:
    return json.loads(capsys.readouterr().out.strip().splitlines()[-1])


@pytest.fixture
async def empty_database(postgres: PostgresForTests) -> AsyncIterator[str]:
    url = await postgres.create_database(migrated=False)
    yield url
    await postgres.drop_database(url)


def test_db_status_then_migrate_then_status_again(
    empty_database: str, capsys: pytest.CaptureFixture[str]
) -> None:
    before = main(["db", "status", "--database-url", empty_database])
    pending = _last_json(capsys)
    migrated = main(["db", "migrate", "--database-url", empty_database])
    applied = _last_json(capsys)
    after = main(["db", "status", "--database-url", empty_database])
    current = _last_json(capsys)

    assert (before, migrated, after) == (1, 0, 0)
    assert pending["pending"] == applied["applied_now"] != []
    assert current["up_to_date"] and current["pending"] == []


def test_bench_store_prints_every_figure_as_json(
    database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(
        [
            "bench",
            "store",
            "--database-url",
            database_url,
            "--single",
            "5",
            "--batched",
            "50",
            "--batch-size",
            "10",
            "--notifications",
            "5",
            "--templates",
            "100",
        ]
    )
    result = _last_json(capsys)

    assert code == 0
    for key in (
        "upserts_per_s_single",
        "upserts_per_s_batched",
        "commit_to_event_p50_ms",
        "commit_to_event_p99_ms",
        "write_to_event_p50_ms",
        "write_to_event_p99_ms",
        "template_load_100_s",
    ):
        assert result[key] >= 0, key


@pytest.mark.parametrize("command", [["db", "status"], ["db", "migrate"], ["bench", "store"]])
def test_an_unreachable_database_is_reported_as_json_without_a_traceback(
    command: list[str],
    capsys: pytest.CaptureFixture[str],
    unused_tcp_port: int,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ROLLCALL_STORE__CONNECT_TIMEOUT_S", "0")  # no wait for it to come up
    url = f"postgresql://nobody@127.0.0.1:{unused_tcp_port}/rollcall"
    code = main([*command, "--database-url", url])
    captured = capsys.readouterr()
    result = json.loads(captured.out.strip().splitlines()[-1])
    assert code == 1
    assert result["kind"] == "DatabaseUnavailable"
    assert "Traceback" not in captured.err
