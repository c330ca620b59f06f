"""Definitions cannot hang or crash the product (issue 12, section 4): any file, however mangled, is read into a
definition or positioned problems, quickly; graph work is iterative and linear; limits are refused in one line; one
broken file leaves the rest of the library running; no message repeats a fact's value."""

from __future__ import annotations

import shutil
import tempfile
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from workflows.config.loader import load_config
from workflows.definitions.facts import FactError, parse_fact_value
from workflows.definitions.graph import StageGraph
from workflows.definitions.library import check_definitions, load_sound_library
from workflows.definitions.limits import MAX_STAGES
from workflows.definitions.model import Fact, FactType, Process, Stage
from workflows.yamlsource import Problem, YamlSourceError, load_located

REPO = Path(__file__).resolve().parents[2]
SHIPPED = sorted((REPO / "processes").glob("*.yaml")) + sorted((REPO / "config").glob("*.yaml"))
SECONDS = 5.0  # generous: the point is that nothing hangs

CONTROL = st.sampled_from([chr(c) for c in [*range(0, 9), 11, 12, *range(14, 32), 127, 0x85, 0xFFFE, 0xD800]])


def _insert(text: str, at: int, piece: str) -> str:
    return text[:at] + piece + text[at:]


@st.composite
def mutated(draw) -> tuple[Path, bytes]:
    """A shipped file with one hostile change: a control character, deep nesting, aliases, a cut, or flipped bytes."""
    source = draw(st.sampled_from(SHIPPED))
    text = source.read_text(encoding="utf-8")
    at = draw(st.integers(min_value=0, max_value=len(text)))
    kind = draw(st.sampled_from(["control", "nesting", "alias", "self-alias", "bomb", "truncate", "flip", "key"]))
    if kind == "control":
        text = _insert(text, at, draw(CONTROL))
    elif kind == "nesting":
        depth = draw(st.integers(min_value=1, max_value=600))
        text = _insert(text, at, draw(st.sampled_from(["[" * depth, "{a: " * depth, "[" * depth + "]" * depth])))
    elif kind == "alias":
        text = _insert(text, at, draw(st.sampled_from(["&a ", "*a", " *a ", "&a [*a]", "<<: *a\n"])))
    elif kind == "self-alias":
        text = text.replace("title: ", "title: &a [*a] #", 1)
    elif kind == "bomb":
        text = text + "\nbomb: " + BOMB.replace("\n", "\n  ")
    elif kind == "truncate":
        text = text[:at]
    elif kind == "key":
        text = _insert(text, at, "\n? [a, b]\n: c\n")
    data = text.encode("utf-8", "surrogatepass")
    if kind == "flip":
        flips = draw(st.lists(st.tuples(st.integers(0, max(len(data) - 1, 0)), st.integers(0, 255)), max_size=8))
        mutable = bytearray(data)
        for index, value in flips:
            if mutable:
                mutable[index] = value
        data = bytes(mutable)
    return source, data


BOMB = "\n".join(
    ["a0: &a0 [x, x, x, x, x, x, x, x, x]"] + [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 9)]
)


@pytest.fixture(scope="module")
def config():
    return load_config(REPO / "config")


def _well_formed(problem: Problem) -> None:
    assert problem.line >= 1 and problem.column >= 1
    assert "\n" not in problem.message and "Traceback" not in problem.message


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=mutated())
def test_any_mangled_shipped_file_gives_a_definition_or_positioned_problems_quickly(config, case):
    source, data = case
    with tempfile.TemporaryDirectory() as scratch:
        if source.parent.name == "config":
            folder = Path(scratch) / "config"
            shutil.copytree(REPO / "config", folder)
            (folder / source.name).write_bytes(data)
            started = time.perf_counter()
            try:
                load_config(folder)
            except YamlSourceError as error:
                assert error.problems
                for problem in error.problems:
                    _well_formed(problem)
        else:
            path = Path(scratch) / source.name
            path.write_bytes(data)
            started = time.perf_counter()
            check = check_definitions([path], config)
            for problem in check.problems:
                _well_formed(problem)
            assert check.problems or check.checked
    assert time.perf_counter() - started < SECONDS


def test_an_alias_bomb_is_refused_at_once():
    bomb = "\n".join(  # 493 bytes; expanded, 9 ** 9 values
        ["a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
        + [f"a{i}: &a{i} [{','.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 9)]
    )
    started = time.perf_counter()
    with pytest.raises(YamlSourceError) as refused:
        load_located("bomb.yaml", bomb)
    assert time.perf_counter() - started < 1.0
    (problem,) = refused.value.problems
    assert problem.line > 1 and "aliases" in problem.message


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("title: &a [*a]\n", "an alias refers to a value that contains it"),
        ("a: " + "[" * 500 + "]" * 500 + "\n", "nested more than"),
        ("title: a\x01b\n", "U+0001 is not allowed"),
        ("? &k [a]\n: 1\n", "a key must be a plain value"),
        ("a: " + "9" * 5000 + "\n", "cannot read this value"),
        ("a: [" + ",".join(["1"] * 60_000) + "]\n", "more than 50,000 values"),
        ("a: '" + "x" * 300_000 + "'\n", "file is too large"),
    ],
)
def test_each_hostile_shape_is_one_positioned_problem(text, words):
    with pytest.raises(YamlSourceError) as refused:
        load_located("hostile.yaml", text)
    (problem,) = refused.value.problems
    assert words in problem.message
    _well_formed(problem)


def _stage(after: list[str], source: str | None = None) -> Stage:
    due = {"in": "1 working day", "from": f"due:{source}"} if source else {"in": "1 working day"}
    return Stage.model_validate({"title": "t", "owner": "business-manager", "due": due, "after": after})


def _unchecked_process(stages: dict[str, Stage]) -> Process:
    """A process past the stage limit, built without validation, to work the graph directly."""
    return Process.model_construct(id="big", title="Big", version=1, reference="B-{seq}", stages=stages, facts={})


def test_a_chain_of_1200_stages_is_walked_without_recursion():
    ids = [f"s{i}" for i in range(1200)]
    stages = {sid: _stage([ids[i - 1]] if i else [], ids[i - 1] if i else None) for i, sid in enumerate(ids)}
    graph = StageGraph(_unchecked_process(stages))
    started = time.perf_counter()
    assert graph.find_cycle() is None
    assert graph.unreachable() == []
    assert len(graph.ancestors(ids[-1])) == 1199
    assert graph.opening_order() == ids
    assert time.perf_counter() - started < SECONDS


def _fan_in(layers: int, width: int = 4) -> dict[str, Stage]:
    stages = {"l0-0": _stage([])}
    previous = ["l0-0"]
    for layer in range(1, layers):
        names = [f"l{layer}-{k}" for k in range(width)]
        stages.update({name: _stage(previous) for name in names})
        previous = names
    return stages


@pytest.mark.parametrize("layers", [41, 200])
def test_a_layered_fan_in_takes_time_in_proportion_to_its_size(layers):
    stages = _fan_in(layers)
    started = time.perf_counter()
    graph = StageGraph(_unchecked_process(stages))
    last = list(stages)[-1]
    assert len(graph.ancestors(last)) == len(stages) - 4
    assert graph.unreachable() == [] and graph.find_cycle() is None
    assert time.perf_counter() - started < 1.0  # was 16 s and 2.2 GB for 41 layers


def _process_text(stage_count: int) -> str:
    head = 'id: big\ntitle: Big\nversion: 1\nreference: "B-{seq}"\nstages:\n'
    return head + "".join(
        f"  s{i}: {{title: t, owner: business-manager, due: {{in: 1 working day}}}}\n" for i in range(stage_count)
    )


@pytest.mark.parametrize("stage_count", [MAX_STAGES + 1, 1200, 5000])
def test_a_process_beyond_the_stage_limit_is_refused_quickly(tmp_path, minimal_config, stage_count):
    path = tmp_path / "big.yaml"
    path.write_text(_process_text(stage_count))
    started = time.perf_counter()
    (problem,) = check_definitions([path], minimal_config).problems
    assert time.perf_counter() - started < SECONDS
    assert f"at most {MAX_STAGES} stages" in problem.message or "file is too large" in problem.message


def test_a_process_at_the_stage_limit_is_accepted(tmp_path, minimal_config):
    path = tmp_path / "big.yaml"
    path.write_text(_process_text(MAX_STAGES))
    assert check_definitions([path], minimal_config).problems == []


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ("reminders: {before: [" + ", ".join(["1 working day"] * 11) + "]}", "at most 10 reminders"),
        (
            "escalation: ["
            + ", ".join(f"{{after: {n} working days, notify: business-manager}}" for n in range(1, 12))
            + "]",
            "at most 10 escalation steps",
        ),
    ],
)
def test_other_limits_are_refused_with_their_position(problems_in, change, words):
    text = _process_text(1).replace("due: {in: 1 working day}}", "due: {in: 1 working day}, " + change + "}")
    found = problems_in({"big.yaml": text})
    assert len(found) == 1 and words in found[0] and found[0].startswith("big.yaml:")


def test_conditions_nested_too_deep_are_refused(problems_in):
    condition = "{fact: flag, equals: true}"
    for _ in range(7):
        condition = f"{{not: {condition}}}"
    text = _process_text(1) + f"facts: {{flag: {{type: boolean}}}}\ntriggers: [{{event: e, when: {condition}}}]\n"
    found = problems_in({"big.yaml": text})
    assert any("nest at most 6 levels" in line for line in found), found


GOOD = _process_text(2).replace("id: big", "id: good")


def test_one_broken_file_leaves_the_others_loaded_and_is_named_once(tmp_path, minimal_config):
    (tmp_path / "good.yaml").write_text(GOOD)
    (tmp_path / "broken.yaml").write_text(GOOD.replace("id: good", "id: broken").replace("title: Big", "title: B\x07"))
    library = load_sound_library([tmp_path], minimal_config)
    assert list(library.processes) == ["good"]
    (line,) = library.broken_files()
    assert line.startswith(f"{tmp_path / 'broken.yaml'}:2:") and "'broken' is not loaded" in line
    with pytest.raises(KeyError, match="does not load"):
        library.get("broken")


@settings(max_examples=200, deadline=None)
@given(value=st.text(min_size=1, max_size=40), kind=st.sampled_from(list(FactType)), sensitive=st.booleans())
def test_no_refusal_repeats_the_value_given(value, kind, sensitive):
    secret = f"Zq{value}"  # never a date, number, boolean, option or agency key
    options = ["alpha", "beta"] if kind is FactType.CHOICE else None
    fact = Fact(type=kind, sensitive=sensitive, options=options)
    try:
        parse_fact_value("child_name", fact, secret, agencies={"police"})
    except FactError as error:
        assert "child_name" in str(error)
        assert secret.strip() not in str(error) and "Zq" not in str(error)


@pytest.mark.parametrize("key", ["n[ame", "[key]", "stages[0]", "function-after[x]"])
def test_an_unknown_key_that_looks_like_pydantics_own_annotations_is_named_at_its_position(tmp_path, key):
    """Pydantic marks its own annotations in an error's location with `[`: a key of the file holding `[` is still
    the file's, named with its position (it once ended in an IndexError)."""
    folder = tmp_path / "config"
    shutil.copytree(REPO / "config", folder)
    settings_file = folder / "partnership.yaml"
    settings_file.write_text(settings_file.read_text().replace("\nname:", f"\n'{key}':", 1))
    with pytest.raises(YamlSourceError) as refused:
        load_config(folder)
    messages = [problem.message for problem in refused.value.problems]
    assert f"unknown key {key!r} (did you mean 'name'?)" in messages or any(key in m for m in messages), messages
    assert "missing required key 'name'" in messages
    for problem in refused.value.problems:
        _well_formed(problem)
