"""The files area refuses names that leave it, and never follows a symlink."""

from __future__ import annotations

from pathlib import Path

import pytest

from naramarket.exports import FileArea, owner_of, safe_name
from naramarket.kernel import InvalidParams, NotFound, Principal


@pytest.mark.parametrize(
    "name",
    [
        "../x.csv",
        "..",
        "a/b.csv",
        "/etc/passwd.csv",
        "a\\b.csv",
        "x\0.csv",
        ".hidden.csv",
        "x" * 130 + ".csv",
        "notes.html",
        "",
        "a..b.csv",
        "tab\there.csv",
    ],
)
def test_unsafe_names_are_refused(name: str) -> None:
    with pytest.raises(InvalidParams):
        safe_name(name)


def test_odd_characters_are_replaced_and_korean_kept() -> None:
    assert safe_name("데스크톱 목록 (2025)*?.csv") == "데스크톱 목록 (2025)__.csv"


def test_a_symlink_in_the_area_is_neither_listed_nor_opened(tmp_path: Path) -> None:
    area = FileArea(tmp_path / "files")
    secret = tmp_path / "secret.csv"
    secret.write_text("password\n")
    (area.folder("local") / "link.csv").symlink_to(secret)
    area.save("local", "real.csv", b"a\r\n")
    assert [f.name for f in area.listing("local", "/f/")] == ["real.csv"]
    with pytest.raises(NotFound):
        area.open("local", "link.csv")


def test_owners_are_kept_apart() -> None:
    alice = Principal("alice", frozenset({"exports"}), issuer="https://a")
    mallory = Principal("alice", frozenset({"exports"}), issuer="https://evil")
    assert owner_of(alice) != owner_of(mallory) != owner_of(None) == "local"


def test_a_loopback_servers_names_are_one_owner() -> None:
    via_name = Principal("alice", issuer="http://localhost:8000")
    via_address = Principal("alice", issuer="http://127.0.0.1:8000")
    assert (
        owner_of(via_name)
        == owner_of(via_address)
        != owner_of(Principal("alice", issuer="http://127.0.0.1:9"))
    )
