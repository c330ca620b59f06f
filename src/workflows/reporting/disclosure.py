"""What `--public` hides so that published figures cannot identify a child: small counts, and what is built on them."""

from __future__ import annotations

from dataclasses import dataclass

WITHHELD = "withheld"


@dataclass(frozen=True, slots=True)
class Disclosure:
    """`suppress_below` None: an internal report, every figure shown."""

    suppress_below: int | None = None

    @property
    def public(self) -> bool:
        return self.suppress_below is not None

    def small(self, count: int) -> bool:
        """1 to suppress_below - 1: few enough to point at a child. Zero points at nobody."""
        return self.suppress_below is not None and 0 < count < self.suppress_below

    def count(self, count: int) -> int | str:
        return f"fewer than {self.suppress_below}" if self.small(count) else count

    def figure(self, value: float | None, *bases: int) -> float | str | None:
        """A rate, median or total built on `bases` (the counts behind it): withheld if any of them is small."""
        if value is None:
            return None
        return WITHHELD if any(self.small(base) for base in bases) else value

    def part_of(self, part: int, whole: int) -> int | str:
        """A count inside a shown total (within timescale of completed): withheld when the rest (those late) is
        small, since the reader could take one from the other."""
        if self.small(part):
            return self.count(part)
        return WITHHELD if self.small(whole - part) else part
