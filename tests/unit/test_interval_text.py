"""How a 95% interval reads: whole points unless whole points would mislead."""

from metrics.formatting import interval_text


def test_whole_points_when_they_are_clear():
    assert interval_text(6.2, 3.1, 9.4) == "between 3 and 9"


def test_one_decimal_when_a_bound_rounds_to_the_estimate():
    assert interval_text(6.8, 6.4, 7.3) == "between 6.4 and 7.3"


def test_one_decimal_when_a_bound_rounds_to_zero_but_the_interval_excludes_zero():
    assert interval_text(1.2, 0.3, 2.1) == "between 0.3 and 2.1"
    assert interval_text(-1.2, -2.1, -0.3) == "between -2.1 and -0.3"


def test_an_interval_crossing_zero_stays_whole_and_never_reads_minus_zero():
    assert interval_text(5.0, -0.2, 10.3) == "between 0 and 10"
    assert interval_text(6.0, -3.2, 15.7, signed=True) == "between -3 and +16"
    assert interval_text(6.0, -3.2, 0.0, signed=True) == "between -3 and 0"
