"""Short wording for the DSP views: titles cut to a width, never past it, abbreviations DSPs use themselves."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from workflows.dashboard.wording import ELLIPSIS, cut, delivery_trouble, lateness, shorten

WORDS = st.lists(st.text(alphabet="abcdefghij(),'-", min_size=1, max_size=14), min_size=1, max_size=12)


@given(WORDS, st.integers(min_value=4, max_value=60))
def test_a_shortened_text_never_exceeds_its_width(words, width):
    text = " ".join(words)
    short = shorten(text, width)
    assert len(short) <= width
    if len(text) <= width:
        assert short == text


@given(WORDS, st.integers(min_value=4, max_value=60))
def test_a_cut_keeps_the_start_of_the_text_and_says_so(words, width):
    text = " ".join(words)
    short = cut(text, width)
    assert len(short) <= width
    assert short == text or (short.endswith(ELLIPSIS) and text.startswith(short.removesuffix(ELLIPSIS)))


def test_what_fits_is_left_alone():
    assert shorten("Staffordshire Police", 28) == "Staffordshire Police"
    assert shorten("Delegated safeguarding partner (police)", 39) == "Delegated safeguarding partner (police)"


def test_abbreviations_come_first_and_stop_once_the_text_fits():
    assert shorten("Delegated safeguarding partner (local authority)", 28) == "DSP (local authority)"
    assert shorten("Delegated safeguarding partner (integrated care board)", 12) == "DSP (ICB)"
    assert shorten("Child protection conference coordinator", 28) == "CP conference coordinator"


def test_an_aside_in_brackets_goes_before_the_cut():
    assert shorten("Cafcass (Children and Family Court Advisory and Support Service)", 28) == "Cafcass"


def test_cuts_fall_between_words_unless_that_leaves_a_stub():
    assert cut("Return agency chronology and summary", 32) == "Return agency chronology and…"
    assert cut("Newcastle-under-Lyme Borough Council", 16) == "Newcastle-under…"


def test_lateness_and_delivery_in_few_words():
    assert lateness(3, at_risk=False) == "3 working days"
    assert lateness(1, at_risk=False) == "1 working day"
    assert lateness(0, at_risk=False) == "< 1 working day"
    assert lateness(0, at_risk=True) == "at risk"
    assert delivery_trouble(2) == "2 undelivered"
    assert delivery_trouble(0) == ""
