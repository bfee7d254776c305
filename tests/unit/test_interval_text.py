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


def test_an_equity_gap_change_reads_as_narrowed_or_widened_never_as_a_signed_number():
    from metrics.formatting import gap_change_text

    assert gap_change_text({"estimate": -10.7, "ci": [-14.9, -6.6]}) == "Narrowed 11 points (7 to 15)"
    assert gap_change_text({"estimate": 3.2, "ci": [1.1, 5.4]}) == "Widened 3 points (1 to 5)"
    assert gap_change_text({"estimate": -1.2, "ci": [-2.1, -0.3]}) == "Narrowed 1 point (0.3 to 2.1)"
    assert (
        gap_change_text({"estimate": -2.0, "ci": [-7.0, 3.0]})
        == "Narrowed 2 points (from widened 3 to narrowed 7)"
    )
    assert gap_change_text({"estimate": 0.2, "ci": [-4.0, 4.4]}) == "No change (from widened 4 to narrowed 4)"
    assert gap_change_text(None) == "no estimate"
