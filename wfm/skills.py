"""Skills: which agents may answer which queue, skill groups, and routing order.

The agents frame's ``skills`` column lists the queues an agent may answer, separated by
``;``, each optionally with a level after a colon::

    retail_inquiries;credit_cards:2;vip:secondary

A level is an integer 1-9 (1 = primary, the highest priority) or ``primary`` (1) /
``secondary`` (2); without one it is 1. Routing uses levels as priorities: a freed agent
serves its lowest-numbered level first. When the frame has no ``skills`` column at all, the
centre is single-skill: every agent holds every queue at level 1 (the pooled model).

A **skill group** is the set of agents sharing one skill set (queues and levels): the unit
staffing, the aggregate roster model and the simulator plan with. Groups are numbered in a
deterministic order (fewest skills first, then by name), so the most specialised groups come
first.

A queue's **routing order** is the order in which idle agents' groups are tried for an
arriving call. By default: the groups holding the queue, most specialised first (fewest
skills), then by the level they hold the queue at, then by group number. A queue may name its
own order (group names), e.g. from a ``[routing]`` table; groups it leaves out are tried after
the named ones in the default order.

Errors name the agent, queue and value: an unknown queue, a level out of range, a queue
listed twice for one agent, an agent with no skill, a queue no agent can serve.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .exceptions import InvalidInputError
from .frames import is_missing, split_list

__all__ = ["MAX_LEVEL", "SkillGroup", "SkillMatrix", "group_name", "parse_skills", "parse_skill_text"]

#: the largest skill level (1 = primary)
MAX_LEVEL = 9

_NAMED_LEVELS = {"primary": 1, "secondary": 2}


def parse_skill_text(text: object, agent_id: str) -> dict[str, int]:
    """Parse one agent's ``skills`` cell into ``{queue: level}``.

    Examples
    --------
    >>> parse_skill_text("retail;vip:2;complaints:secondary", "a1")
    {'retail': 1, 'vip': 2, 'complaints': 2}
    """
    out: dict[str, int] = {}
    if is_missing(text):
        return out
    for entry in split_list(text):
        queue, sep, level_text = entry.partition(":")
        queue = queue.strip()
        if not queue:
            raise InvalidInputError(f"agent {agent_id}: skills entry must name a queue, got {entry!r}")
        level = 1
        if sep:
            raw = level_text.strip().lower()
            if raw in _NAMED_LEVELS:
                level = _NAMED_LEVELS[raw]
            else:
                try:
                    level = int(raw)
                except ValueError:
                    raise InvalidInputError(
                        f"agent {agent_id}: skill level for queue {queue!r} must be an integer 1-{MAX_LEVEL} "
                        f"or primary/secondary, got {level_text.strip()!r}"
                    ) from None
                if not 1 <= level <= MAX_LEVEL:
                    raise InvalidInputError(
                        f"agent {agent_id}: skill level for queue {queue!r} must be in 1-{MAX_LEVEL}, got {level}"
                    )
        if queue in out:
            raise InvalidInputError(f"agent {agent_id}: skills must list each queue once, got {queue!r} twice")
        out[queue] = level
    return out


@dataclass(frozen=True)
class SkillGroup:
    """Agents sharing one skill set.

    ``levels`` maps each queue the group holds to its level; ``members`` are row positions in
    :attr:`SkillMatrix.agent_ids`.
    """

    index: int
    name: str
    levels: tuple[tuple[str, int], ...]
    members: tuple[int, ...]

    @property
    def queues(self) -> tuple[str, ...]:
        return tuple(q for q, _ in self.levels)

    @property
    def size(self) -> int:
        return len(self.members)


@dataclass(frozen=True)
class SkillMatrix:
    """Agents x queues skill levels (0 = the agent does not hold the queue).

    ``level[i, j]`` is agent ``agent_ids[i]``'s level (1-9) for queue ``queues[j]``;
    ``group_of[i]`` is the index of the agent's :class:`SkillGroup`; ``routing[j]`` is queue
    ``j``'s routing order as a tuple of group indices.
    """

    agent_ids: tuple[str, ...]
    queues: tuple[str, ...]
    level: np.ndarray
    groups: tuple[SkillGroup, ...]
    group_of: np.ndarray
    routing: tuple[tuple[int, ...], ...]

    @property
    def holds(self) -> np.ndarray:
        """Boolean agents x queues: whether the agent may answer the queue."""
        return self.level > 0

    def group_holds(self) -> np.ndarray:
        """Boolean groups x queues."""
        out = np.zeros((len(self.groups), len(self.queues)), dtype=bool)
        col = {q: j for j, q in enumerate(self.queues)}
        for g in self.groups:
            for q, _ in g.levels:
                out[g.index, col[q]] = True
        return out

    def queue_index(self, queue: str) -> int:
        try:
            return self.queues.index(queue)
        except ValueError:
            raise InvalidInputError(f"queue must be one of {', '.join(self.queues)}, got {queue!r}") from None

    def group_by_name(self, name: str) -> SkillGroup:
        for g in self.groups:
            if g.name == name:
                return g
        raise InvalidInputError(f"skill group must be one of {', '.join(g.name for g in self.groups)}, got {name!r}")

    def frame(self) -> pd.DataFrame:
        """Long frame ``agent_id, queue, level, skill_group`` (one row per held skill)."""
        rows, cols = np.nonzero(self.level)
        return pd.DataFrame(
            {
                "agent_id": np.asarray(self.agent_ids, dtype=object)[rows],
                "queue": np.asarray(self.queues, dtype=object)[cols],
                "level": self.level[rows, cols].astype(np.int64),
                "skill_group": [self.groups[int(self.group_of[r])].name for r in rows],
            }
        )


def group_name(levels: tuple[tuple[str, int], ...]) -> str:
    """A skill group's name: its queues joined by ``+``, each with ``:level`` when not primary."""
    return "+".join(q if lv == 1 else f"{q}:{lv}" for q, lv in levels)


def parse_skills(
    agents: pd.DataFrame,
    queues: Iterable[str] | None = None,
    *,
    routing: Mapping[str, Sequence[str]] | None = None,
    require_all_queues: bool = True,
) -> SkillMatrix:
    """Parse the agents frame's ``skills`` column against the centre's queues.

    Parameters
    ----------
    agents
        The agents frame (``agent_id`` required; ``skills`` optional, see the module doc).
    queues
        The queues of the centre (e.g. the requirements' queues). Without it, the queues are
        those the agents name. A skill naming a queue outside this list is an error.
    routing
        Optional ``{queue: [group name, ...]}`` routing orders (see the module doc).
    require_all_queues
        A queue no agent can serve is an error (default).

    Raises
    ------
    InvalidInputError
        Naming the agent, queue and value.

    Examples
    --------
    >>> import pandas as pd
    >>> m = parse_skills(pd.DataFrame({"agent_id": ["a", "b"], "skills": ["x", "x;y:2"]}))
    >>> m.queues, [g.name for g in m.groups], m.routing
    (('x', 'y'), ['x', 'x+y:2'], ((0, 1), (1,)))
    """
    if "agent_id" not in agents.columns:
        raise InvalidInputError(f"agents frame must have column agent_id, got {list(agents.columns)}")
    ids = tuple(str(a) for a in agents["agent_id"])
    known = None if queues is None else tuple(dict.fromkeys(str(q) for q in queues))
    if "skills" not in agents.columns:
        if known is None:
            raise InvalidInputError("agents frame has no skills column and no queues were given")
        parsed = [dict.fromkeys(known, 1) for _ in ids]
    else:
        parsed = [parse_skill_text(text, agent_id) for agent_id, text in zip(ids, agents["skills"], strict=True)]
    for agent_id, skills in zip(ids, parsed, strict=True):
        if not skills:
            raise InvalidInputError(f"agent {agent_id}: skills must list at least one queue, got none")
        if known is not None:
            for q in skills:
                if q not in known:
                    raise InvalidInputError(
                        f"agent {agent_id}: skill must name a queue of the centre ({', '.join(known)}), got {q!r}"
                    )
    if known is None:
        known = tuple(sorted({q for s in parsed for q in s}))
    col = {q: j for j, q in enumerate(known)}
    level = np.zeros((len(ids), len(known)), dtype=np.int8)
    for i, skills in enumerate(parsed):
        for q, lv in skills.items():
            level[i, col[q]] = lv
    if require_all_queues and len(ids):
        unserved = [q for j, q in enumerate(known) if not level[:, j].any()]
        if unserved:
            raise InvalidInputError(
                f"every queue needs at least one agent holding its skill, got none for {', '.join(unserved)}"
            )

    # Skill groups: one per distinct skill set, most specialised first.
    keys: dict[tuple[tuple[str, int], ...], list[int]] = {}
    for i in range(len(ids)):
        key = tuple((known[j], int(level[i, j])) for j in np.flatnonzero(level[i]))
        keys.setdefault(key, []).append(i)
    ordered = sorted(keys, key=lambda k: (len(k), group_name(k)))
    groups = tuple(SkillGroup(g, group_name(k), k, tuple(keys[k])) for g, k in enumerate(ordered))
    group_of = np.empty(len(ids), dtype=np.int64)
    for g in groups:
        group_of[list(g.members)] = g.index

    by_name = {g.name: g.index for g in groups}
    routing = dict(routing or {})
    for q in routing:
        if q not in col:
            raise InvalidInputError(f"routing must name queues of the centre ({', '.join(known)}), got {q!r}")
    orders: list[tuple[int, ...]] = []
    for q in known:
        holding = [g for g in groups if q in dict(g.levels)]
        default = [g.index for g in sorted(holding, key=lambda g: (len(g.levels), dict(g.levels)[q], g.index))]
        named: list[int] = []
        for name in routing.get(q, ()):
            if name not in by_name:
                raise InvalidInputError(
                    f"routing for queue {q!r} must name skill groups ({', '.join(by_name)}), got {name!r}"
                )
            g_idx = by_name[name]
            if g_idx not in default:
                raise InvalidInputError(
                    f"routing for queue {q!r} names group {name!r}, which does not hold the skill {q!r}"
                )
            if g_idx not in named:
                named.append(g_idx)
        orders.append(tuple(named + [g for g in default if g not in named]))
    return SkillMatrix(ids, known, level, groups, group_of, tuple(orders))
