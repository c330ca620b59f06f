"""How a process's stages lead to one another: `after` waits for all, an option's `then` opens one.

Every walk of the graph is iterative (a chain of a thousand stages is no deeper a recursion than one) and visits each
stage once (its answer remembered), so the work grows with the number of stages and edges, never with the number of
routes through them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TypeVar

from workflows.definitions.model import Process

Answer = TypeVar("Answer")

# Enough alternative routes to a stage to show it can open; bounds the work on large processes.
_MAX_WAYS = 64


class StageGraph:
    def __init__(self, process: Process) -> None:
        self.process = process
        stages = process.stages
        # decider stage -> stages its options can open, and the reverse.
        self.openers: dict[str, set[str]] = {stage_id: set() for stage_id in stages}
        # A salvaged process (see definitions.gaps) may lack a stage's `after` or decision: no edges from those.
        for stage_id, stage in stages.items():
            for option in (stage.decision.options or {}).values() if stage.decision else ():
                for target in option.then:
                    if target in self.openers:
                        self.openers[target].add(stage_id)
        self.waits_for: dict[str, set[str]] = {
            stage_id: {before for before in stage.after or () if before in stages} for stage_id, stage in stages.items()
        }
        self._successors: dict[str, set[str]] = {stage_id: set() for stage_id in stages}
        for stage_id in stages:
            for before in self.waits_for[stage_id] | self.openers[stage_id]:
                self._successors[before].add(stage_id)
        self._always_before: dict[str, frozenset[str]] | None = None

    def deadline_source(self, stage_id: str) -> str | None:
        """The stage whose deadline this one's counts from (`from: due:ID`), if any."""
        anchor = self.process.stages[stage_id].due.from_ if self.process.stages[stage_id].due else None
        return anchor.ref if anchor and anchor.kind == "due" and anchor.ref in self.process.stages else None

    def opening_order(self) -> list[str]:
        """The stages in file order, except that a stage counted from another's deadline comes after it: when
        both open in one step, the other's deadline is known first."""
        ordered: list[str] = []
        placed: set[str] = set()
        for stage_id in self.process.stages:
            # Follow the chain of deadline sources back to one placed already (or a cycle, reported elsewhere).
            chain: list[str] = []
            node: str | None = stage_id
            while node is not None and node not in placed and node not in chain:
                chain.append(node)
                node = self.deadline_source(node)
            for waiting in reversed(chain):
                placed.add(waiting)
                ordered.append(waiting)
        return ordered

    def opens_no_later(self, first: str, then: str) -> bool:
        """`first` has always opened by the time `then` opens: it finished before, or both open together (at
        the start, or after the same stages) and neither waits for a decision."""
        if first in self.ancestors(then):
            return True
        together = self.waits_for[first] == self.waits_for[then]
        return together and not self.openers[first] and not self.openers[then]

    def opens_at_start(self, stage_id: str) -> bool:
        return not self.waits_for[stage_id] and not self.openers[stage_id]

    def successors(self, stage_id: str) -> set[str]:
        return set(self._successors[stage_id])

    def find_cycle(self) -> list[str] | None:
        """One cycle through `after` and `then` edges, in order, or None."""
        state: dict[str, int] = {}  # 1 = on the current path, 2 = finished
        for root in self.process.stages:
            if root in state:
                continue
            path = [root]
            state[root] = 1
            pending = [iter(sorted(self._successors[root]))]
            while pending:
                successor = next(pending[-1], None)
                if successor is None:
                    pending.pop()
                    state[path.pop()] = 2
                elif state.get(successor) == 1:
                    return path[path.index(successor) :]
                elif successor not in state:
                    state[successor] = 1
                    path.append(successor)
                    pending.append(iter(sorted(self._successors[successor])))
        return None

    def unreachable(self) -> list[str]:
        """Stages no combination of decision options can open (call only on a graph without cycles).

        Each stage gets the sets of option choices under which it opens; a stage that waits for stages
        on different options of the same decision gets none.
        """

        def consistent(a: dict[str, str], b: dict[str, str]) -> dict[str, str] | None:
            if any(a[k] != b[k] for k in a.keys() & b.keys()):
                return None
            return a | b

        def ways_to_open(node: str, ways: dict[str, list[dict[str, str]]]) -> list[dict[str, str]]:
            found: list[dict[str, str]] = [{}] if self.opens_at_start(node) else []
            for decider in self.openers[node]:
                decision = self.process.stages[decider].decision
                assert decision is not None
                for option_id, option in (decision.options or {}).items():
                    if node in option.then:
                        found += [
                            m for w in ways.get(decider, []) if (m := consistent(w, {decider: option_id})) is not None
                        ]
                        del found[_MAX_WAYS:]
            if self.waits_for[node]:
                combined: list[dict[str, str]] = [{}]
                for before in sorted(self.waits_for[node]):
                    combined = [
                        m for c in combined for w in ways.get(before, []) if (m := consistent(c, w)) is not None
                    ]
                    del combined[_MAX_WAYS:]  # enough to know it can open
                found += combined
            return found[:_MAX_WAYS]

        ways = _in_dependency_order(self.process.stages, self._predecessors, ways_to_open)
        return [stage_id for stage_id in self.process.stages if not ways[stage_id]]

    def ancestors(self, stage_id: str) -> frozenset[str]:
        """Stages that have always finished before `stage_id` opens, whichever way it opens."""
        if self._always_before is None:

            def always_before(node: str, known: dict[str, frozenset[str]]) -> frozenset[str]:
                # A stage not known yet is on a cycle (reported elsewhere): it adds nothing.
                if self.waits_for[node]:
                    return frozenset().union(*({b} | known.get(b, frozenset()) for b in self.waits_for[node]))
                if self.openers[node]:
                    paths = [{d} | known.get(d, frozenset()) for d in self.openers[node]]
                    return frozenset(set.intersection(*paths))
                return frozenset()

            self._always_before = _in_dependency_order(self.process.stages, self._predecessors, always_before)
        return self._always_before[stage_id]

    def _predecessors(self, stage_id: str) -> set[str]:
        return self.waits_for[stage_id] | self.openers[stage_id]


def _in_dependency_order(
    nodes: Iterable[str],
    predecessors: Callable[[str], set[str]],
    answer: Callable[[str, dict[str, Answer]], Answer],
) -> dict[str, Answer]:
    """`answer(node, known)` for every node, each once, after every predecessor's (iteratively, depth first); on a
    cycle, a predecessor still being worked out is missing from `known`."""
    known: dict[str, Answer] = {}
    started: set[str] = set()
    for root in nodes:
        if root in started:
            continue
        started.add(root)
        stack = [(root, iter(sorted(predecessors(root))))]
        while stack:
            node, waiting = stack[-1]
            before = next(waiting, None)
            if before is None:
                stack.pop()
                known[node] = answer(node, known)
            elif before not in started:
                started.add(before)
                stack.append((before, iter(sorted(predecessors(before)))))
    return known
