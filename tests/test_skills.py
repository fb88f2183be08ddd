"""Skills contract: parsing, skill groups and routing order (wfm.skills)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from wfm.datasets import example_dir
from wfm.exceptions import InvalidInputError
from wfm.io import read_frame
from wfm.skills import parse_skill_text, parse_skills


def frame(*skills: str) -> pd.DataFrame:
    return pd.DataFrame({"agent_id": [f"a{i}" for i in range(len(skills))], "skills": list(skills)})


def test_levels_parsed_by_number_and_name():
    assert parse_skill_text("x; y:3 ;z:Secondary;w:primary", "a") == {"x": 1, "y": 3, "z": 2, "w": 1}


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("x:0", "must be in 1-9, got 0"),
        ("x:10", "must be in 1-9, got 10"),
        ("x:high", "got 'high'"),
        ("x;x:2", "each queue once"),
        (":2", "must name a queue"),
    ],
)
def test_bad_skill_text_names_agent_and_value(text, fragment):
    with pytest.raises(InvalidInputError, match="agent a7") as err:
        parse_skill_text(text, "a7")
    assert fragment in str(err.value)


def test_unknown_queue_and_unserved_queue_and_no_skill_are_errors():
    with pytest.raises(InvalidInputError, match=r"agent a1: skill must name a queue .*got 'nope'"):
        parse_skills(frame("x", "nope"), ["x", "y"], require_all_queues=False)
    with pytest.raises(InvalidInputError, match="got none for y"):
        parse_skills(frame("x", "x"), ["x", "y"])
    with pytest.raises(InvalidInputError, match="agent a1: skills must list at least one queue"):
        parse_skills(frame("x", ""), ["x"])


def test_groups_are_skill_sets_most_specialised_first():
    m = parse_skills(frame("x;y", "y", "x;y", "x:2;y", "y"), ["x", "y"])
    assert [g.name for g in m.groups] == ["y", "x+y", "x:2+y"]
    assert [g.members for g in m.groups] == [(1, 4), (0, 2), (3,)]
    np.testing.assert_array_equal(m.group_of, [1, 0, 1, 2, 0])
    # x: both two-skill groups hold it; level 1 before level 2.  y: the specialists first.
    assert m.routing == ((1, 2), (0, 1, 2))
    np.testing.assert_array_equal(m.group_holds(), [[False, True], [True, True], [True, True]])
    long = m.frame()
    assert len(long) == int(m.holds.sum()) == 8
    assert set(long.columns) == {"agent_id", "queue", "level", "skill_group"}


def test_routing_override_puts_named_groups_first_and_checks_names():
    m = parse_skills(frame("x;y", "y"), ["x", "y"], routing={"y": ["x+y"]})
    assert m.routing[1] == (1, 0)
    with pytest.raises(InvalidInputError, match="must name skill groups"):
        parse_skills(frame("x;y", "y"), ["x", "y"], routing={"y": ["z"]})
    with pytest.raises(InvalidInputError, match="does not hold the skill 'x'"):
        parse_skills(frame("x;y", "y"), ["x", "y"], routing={"x": ["y"]})
    with pytest.raises(InvalidInputError, match="routing must name queues"):
        parse_skills(frame("x;y", "y"), ["x", "y"], routing={"q": ["y"]})


def test_no_skills_column_means_everyone_holds_every_queue():
    m = parse_skills(pd.DataFrame({"agent_id": ["a", "b"]}), ["x", "y"])
    assert m.holds.all() and len(m.groups) == 1
    with pytest.raises(InvalidInputError, match="no skills column and no queues"):
        parse_skills(pd.DataFrame({"agent_id": ["a"]}))


def test_bundled_agents_parse():
    agents = read_frame(example_dir() / "agents.csv")
    m = parse_skills(agents)
    assert len(m.agent_ids) == len(agents)
    # Independent count: rows whose text mentions each queue.
    for q in m.queues:
        expected = (
            agents["skills"].fillna("").str.split(";").map(lambda s, q=q: q in [p.split(":")[0] for p in s]).sum()
        )
        assert int(m.holds[:, m.queue_index(q)].sum()) == expected
