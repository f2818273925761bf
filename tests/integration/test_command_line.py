"""The `wms` command as a newcomer meets it: its own help and version, one line instead of a traceback when the
database is not there yet, and no empty database file left behind."""
import pytest
from click.testing import CliRunner

from wms.cli import main


@pytest.fixture
def cli(tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'wms.sqlite'}")
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    return lambda *args, **kw: runner.invoke(main, list(args), catch_exceptions=False, **kw)


def test_help_lists_the_warehouse_commands_and_not_flasks_options(cli):
    result = cli("--help")
    assert result.exit_code == 0
    for command in ("run", "check", "create-user", "create-token", "label", "db"):
        assert command in result.output
    for flask_option in ("--env-file", "--app", "--debug"):
        assert flask_option not in result.output


def test_version_is_the_wms_version(cli):
    result = cli("--version")
    assert result.exit_code == 0 and result.output.startswith("Retaguarda WMS ") and "Flask" not in result.output


@pytest.mark.parametrize("args", [("check",), ("create-token", "erp"), ("create-user", "ana", "--role", "worker"),
                                  ("label", "location", "A-01-01-1", "--output", "-")])
def test_commands_before_the_database_exists_say_what_to_run(cli, tmp_path, args):
    result = cli(*args)
    assert result.exit_code == 1
    assert "wms db upgrade" in result.output and "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert not (tmp_path / "wms.sqlite").exists()  # no empty database file left behind


def test_create_user_without_a_terminal_asks_for_the_password_option(cli):
    assert cli("db", "upgrade").exit_code == 0
    result = cli("create-user", "boss", "--role", "admin", input="")
    assert result.exit_code == 2 and "--password" in result.output
    result = cli("create-user", "boss", "--role", "admin", "--password", "s3cret-pass", "--name", "Ana Boss")
    assert result.exit_code == 0 and "boss" in result.output


def test_errors_speak_the_same_language_as_successes(cli):
    assert cli("db", "upgrade").exit_code == 0
    assert cli("create-token", "erp").exit_code == 0
    result = cli("create-token", "erp")
    assert result.exit_code == 1 and "already exists" in result.output  # English, like the success lines
