"""kernel/settings.py: one settings object from NARAMARKET_* variables and an optional TOML file."""

from __future__ import annotations

import string
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from naramarket.kernel import Settings
from tests.datago.fakes import DECODING_KEY, ENCODING_KEY


@pytest.mark.parametrize(
    ("value", "allow"),
    [("", frozenset()), ("g2b_mall", {"g2b_mall"}), ("a, b", {"a", "b"}), (" a ,, b ,", {"a", "b"})],
)
def test_load_plugins_is_a_comma_separated_allow_list(value: str, allow: set[str]) -> None:
    assert Settings.from_env({"NARAMARKET_LOAD_PLUGINS": value}).load_plugins == allow


def test_unset_load_plugins_means_every_installed_plugin() -> None:
    assert Settings.from_env({}).load_plugins is None


@pytest.mark.parametrize(
    ("value", "sandbox"), [("1", True), ("true", True), ("yes", True), ("0", False), ("", False)]
)
def test_sandbox_flag(value: str, sandbox: bool) -> None:
    assert Settings.from_env({"NARAMARKET_SANDBOX": value}).sandbox is sandbox


def test_numbers_are_read_from_strings() -> None:
    settings = Settings.from_env({"NARAMARKET_MAX_CONCURRENCY": "3", "NARAMARKET_RATE_LIMIT": "0.5"})
    assert (settings.max_concurrency, settings.rate_limit) == (3, 0.5)


def test_the_environment_is_not_os_environ_when_given(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NARAMARKET_SANDBOX", "1")
    assert Settings.from_env({}).sandbox is False
    assert Settings.from_env().sandbox is True


def write_config(tmp_path: Path, text: str) -> str:
    path = tmp_path / "naramarket.toml"
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_a_toml_file_is_read_and_the_environment_wins(tmp_path: Path) -> None:
    config = write_config(
        tmp_path,
        f'service_key = "{DECODING_KEY}"\nmax_concurrency = 5\nsandbox = true\nload_plugins = ["g2b_mall"]\n',
    )
    settings = Settings.from_env({"NARAMARKET_CONFIG": config, "NARAMARKET_MAX_CONCURRENCY": "7"})
    assert settings.service_key == DECODING_KEY
    assert settings.sandbox is True
    assert settings.load_plugins == {"g2b_mall"}
    assert settings.max_concurrency == 7  # environment over file


def test_overrides_win_over_the_environment() -> None:
    settings = Settings.from_env({"NARAMARKET_RATE_LIMIT": "5"}, rate_limit=0, api_base=None)
    assert settings.rate_limit == 0
    assert settings.api_base == "https://apis.data.go.kr/1230000"  # None overrides are ignored


def test_an_unknown_toml_key_is_refused_by_name(tmp_path: Path) -> None:
    config = write_config(tmp_path, "max_concurency = 5\n")
    with pytest.raises(ValueError, match="max_concurency"):
        Settings.from_env({"NARAMARKET_CONFIG": config})


def test_a_bad_value_is_refused_by_name() -> None:
    with pytest.raises(ValueError, match="max_concurrency"):
        Settings.from_env({"NARAMARKET_MAX_CONCURRENCY": "lots"})


@given(
    key=st.sampled_from([DECODING_KEY, ENCODING_KEY])
    | st.text(alphabet=string.ascii_letters + string.digits + "+/=%", min_size=20)
)
def test_repr_never_shows_the_key(key: str) -> None:
    settings = Settings.from_env({"NARAMARKET_SERVICE_KEY": key})
    assert key not in repr(settings)
    assert key not in str(settings)
    assert key not in f"{settings}"
    assert "service_key=<set>" in repr(settings)


def test_repr_says_when_no_key_is_set() -> None:
    assert "service_key=<unset>" in repr(Settings.from_env({}))


@pytest.mark.parametrize("name", ["SANDBOX", "AUTH_ALLOW_OPEN", "AUTH_PASSWORD_GRANT"])
@pytest.mark.parametrize(
    ("value", "expected"), [("yes", True), ("on", True), ("1", True), ("no", False), ("0", False)]
)
def test_every_flag_reads_the_same_spellings(name: str, value: str, expected: bool) -> None:
    settings = Settings.from_env({f"NARAMARKET_{name}": value})
    assert getattr(settings, name.lower()) is expected


def test_a_flag_that_is_not_a_flag_is_refused_by_name() -> None:
    with pytest.raises(ValueError, match="NARAMARKET_AUTH_ALLOW_OPEN"):
        Settings.from_env({"NARAMARKET_AUTH_ALLOW_OPEN": "maybe"})
