"""A character YAML's escapes can put in a value and nothing may show is refused where it stands (issue 21, class 2):
`"Request\\x00..."`, `\\ud800`, `\\u2028`, `\\e`, a bidirectional override. `validate` names the file, line and column
once YAML has decoded the escape; the rest of the library runs on; nothing is started with it, on any database.
A definition stored by an older version that holds one is still read: its running cases go on."""

from __future__ import annotations

import re
from pathlib import Path

from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from workflows.cli.main import cli
from workflows.operations.runtime import parse_pinned
from workflows.yamlsource import YamlSourceError, load_located

REPO = Path(__file__).resolve().parents[2]
UNSAFE = [
    *range(0, 9),
    *range(11, 32),
    127,
    *range(0x80, 0xA0),
    0xD800,
    0xDBFF,
    0xDC00,
    0xDFFF,
    0x2028,
    0x2029,
    *range(0x202A, 0x202F),
    *range(0x2066, 0x206A),
]
# Where a definition says something people read, and how YAML escapes write the character there.
PLACES = {
    "title": 'title: "Rapid{}review"',
    "stage title": '    title: "Request{}agency chronologies"',
    "asks": '    asks: "Send the request{}"',
    "option label": '          label: "Other learning{}"',
}
ESCAPES = [lambda code: f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}", lambda code: f"\\u{code:04x}"]


def escaped(code: int, form: int) -> str:
    return ESCAPES[form](code)


def shipped_with(place: str, piece: str) -> str:
    text = (REPO / "processes" / "rapid-review.yaml").read_text(encoding="utf-8")
    pattern = {
        "title": r"^title: Rapid review$",
        "stage title": r"^    title: Request agency chronologies$",
        "asks": r"^    asks: Send the chronology request to every agency involved with the child\.$",
        "option label": r"^          label: Other learning \(single-agency or multi-agency learning review\)$",
    }[place]
    found = re.search(pattern, text, re.MULTILINE)
    assert found, place
    return text[: found.start()] + PLACES[place].format(piece) + text[found.end() :]


@settings(max_examples=120, deadline=None)
@given(st.sampled_from(UNSAFE), st.sampled_from(sorted(PLACES)), st.integers(0, 1))
def test_validate_refuses_it_where_it_stands(tmp_path_factory, code, place, form):
    folder = tmp_path_factory.mktemp("draft")
    text = shipped_with(place, escaped(code, form))
    draft = folder / "rapid-review.yaml"
    draft.write_text(text, encoding="utf-8")
    line = next(number for number, content in enumerate(text.splitlines(), 1) if "\\x" in content or "\\u" in content)
    env = {"WORKFLOWS_CONFIG": str(REPO / "config"), "WORKFLOWS_PROCESSES": str(REPO / "processes")}
    result = CliRunner().invoke(cli, ["validate", str(draft)], env=env)
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    assert re.search(rf"rapid-review\.yaml:{line}:\d+: this text holds .*\(U\+{code:04X}\)", result.output), (
        result.output
    )


def test_ordinary_text_is_accepted():
    for piece in ("é", "日本", "\\t", "Staffordshire & Stoke", "50% of \\u00a0agencies"):
        load_located("draft.yaml", shipped_with("title", piece))


def test_the_config_is_checked_alike(tmp_path):
    for name in ("roles.yaml", "agencies.yaml", "people.yaml", "calendar.yaml"):
        (tmp_path / name).write_text((REPO / "config" / name).read_text(encoding="utf-8"), encoding="utf-8")
    partnership = (REPO / "config" / "partnership.yaml").read_text(encoding="utf-8")
    (tmp_path / "partnership.yaml").write_text(
        partnership.replace("name: Stoke-on-Trent", 'name: "Stoke\\e[31m-on-Trent', 1).replace(
            "Safeguarding Children Partnership\n", 'Safeguarding Children Partnership"\n', 1
        ),
        encoding="utf-8",
    )
    from workflows.config.loader import load_config

    try:
        load_config(tmp_path)
    except YamlSourceError as error:
        assert any("U+001B" in problem.message and problem.line == 2 for problem in error.problems), error.problems
    else:
        raise AssertionError("a control character in the partnership's name was accepted")


def test_a_definition_stored_before_is_still_read():
    stored = shipped_with("title", "\\x1b")
    assert parse_pinned(stored, "0" * 64).title == "Rapid\x1breview"
