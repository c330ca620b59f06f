"""Where counting starts: partnerships differ on whether the anchor day itself counts."""

from enum import StrEnum


class Counting(StrEnum):
    # The first working day after the anchor is day 1 (the anchor is "day 0").
    NEXT_WORKING_DAY = "next-working-day"
    # The anchor is day 1 when it is itself a working day.
    SAME_DAY = "same-day"
