"""How a process's stages lead to one another: `after` waits for all, an option's `then` opens one."""

from __future__ import annotations

from functools import cache

from workflows.definitions.model import Process

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

    def deadline_source(self, stage_id: str) -> str | None:
        """The stage whose deadline this one's counts from (`from: due:ID`), if any."""
        anchor = self.process.stages[stage_id].due.from_ if self.process.stages[stage_id].due else None
        return anchor.ref if anchor and anchor.kind == "due" and anchor.ref in self.process.stages else None

    def opening_order(self) -> list[str]:
        """The stages in file order, except that a stage counted from another's deadline comes after it: when
        both open in one step, the other's deadline is known first."""
        ordered: list[str] = []

        def place(stage_id: str, trail: frozenset[str]) -> None:
            if stage_id in ordered or stage_id in trail:  # placed, or a cycle reported elsewhere
                return
            source = self.deadline_source(stage_id)
            if source:
                place(source, trail | {stage_id})
            ordered.append(stage_id)

        for stage_id in self.process.stages:
            place(stage_id, frozenset())
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
        waiting = {other for other, befores in self.waits_for.items() if stage_id in befores}
        opened = {other for other, deciders in self.openers.items() if stage_id in deciders}
        return waiting | opened

    def find_cycle(self) -> list[str] | None:
        """One cycle through `after` and `then` edges, in order, or None."""
        state: dict[str, int] = {}  # 1 = on the current path, 2 = finished
        path: list[str] = []

        def visit(node: str) -> list[str] | None:
            state[node] = 1
            path.append(node)
            for successor in sorted(self.successors(node)):
                if state.get(successor) == 1:
                    return path[path.index(successor) :]
                if successor not in state and (found := visit(successor)):
                    return found
            path.pop()
            state[node] = 2
            return None

        for stage_id in self.process.stages:
            if stage_id not in state and (found := visit(stage_id)):
                return found
        return None

    def unreachable(self) -> list[str]:
        """Stages no combination of decision options can open (call only on a graph without cycles).

        Each stage gets the sets of option choices under which it opens; a stage that waits for stages
        on different options of the same decision gets none.
        """
        ways: dict[str, list[dict[str, str]]] = {}

        def consistent(a: dict[str, str], b: dict[str, str]) -> dict[str, str] | None:
            if any(a[k] != b[k] for k in a.keys() & b.keys()):
                return None
            return a | b

        def ways_to_open(node: str) -> list[dict[str, str]]:
            if node in ways:
                return ways[node]
            found: list[dict[str, str]] = [{}] if self.opens_at_start(node) else []
            for decider in self.openers[node]:
                decision = self.process.stages[decider].decision
                assert decision is not None
                for option_id, option in (decision.options or {}).items():
                    if node in option.then:
                        found += [
                            m for w in ways_to_open(decider) if (m := consistent(w, {decider: option_id})) is not None
                        ]
            if self.waits_for[node]:
                combined: list[dict[str, str]] = [{}]
                for before in sorted(self.waits_for[node]):
                    combined = [
                        m for c in combined for w in ways_to_open(before) if (m := consistent(c, w)) is not None
                    ]
                    del combined[_MAX_WAYS:]  # enough to know it can open
                found += combined
            ways[node] = found[:_MAX_WAYS]
            return ways[node]

        return [stage_id for stage_id in self.process.stages if not ways_to_open(stage_id)]

    def ancestors(self, stage_id: str) -> frozenset[str]:
        """Stages that have always finished before `stage_id` opens, whichever way it opens."""

        @cache
        def always_before(node: str, trail: frozenset[str]) -> frozenset[str]:
            if node in trail:  # a cycle, reported elsewhere
                return frozenset()
            trail = trail | {node}
            if self.waits_for[node]:
                return frozenset().union(*({b} | always_before(b, trail) for b in self.waits_for[node]))
            if self.openers[node]:
                paths = [{d} | always_before(d, trail) for d in self.openers[node]]
                return frozenset(set.intersection(*map(set, paths)))
            return frozenset()

        return always_before(stage_id, frozenset())
