"""Public rules (domain.md section 6): no count from 1 to 10 is published, and none can be
worked out from a published total; survey cells with small n are hidden or flagged."""

from hypothesis import given
from hypothesis import strategies as st

from metrics.publish import LEADERSHIP, count_text, group_visible, rate_flag, suppress_counts, survey_cell


@given(st.lists(st.integers(min_value=0, max_value=400), min_size=1, max_size=12))
def test_no_small_count_is_published_nor_derivable_from_the_total(counts):
    shown = suppress_counts(counts)
    assert all(c is None or c == 0 or c > 10 for c in shown)
    hidden = [i for i, c in enumerate(shown) if c is None]
    # with the total published, a lone hidden cell would be the total minus the others;
    # that can only happen when the others are all 0, and then the total is itself small
    if len(hidden) == 1:
        assert 1 <= sum(counts) <= 10
    assert all(shown[i] == counts[i] for i in range(len(counts)) if i not in hidden)


def test_complementary_suppression_takes_the_smallest_other_cell():
    assert suppress_counts([120, 4, 35, 0, 60]) == [120, None, None, 0, 60]
    assert suppress_counts([120, 4, 7, 60]) == [120, None, None, 60]  # two hidden: no more needed
    assert suppress_counts([4, 0, 0]) == [None, 0, 0]  # nothing else to hide; the total is small too


def test_leadership_sees_every_count():
    assert suppress_counts([120, 4, 35], LEADERSHIP) == [120, 4, 35]
    assert count_text(4, LEADERSHIP) == "4"
    assert count_text(4) == "fewer than 11"
    assert count_text(0) == "0"
    assert count_text(1234) == "1,234"


def test_survey_cells_are_hidden_below_30_and_flagged_below_60():
    assert survey_cell(61.0, 29) == (None, "hidden: fewer than 30 answers")
    assert survey_cell(61.0, 45) == (61.0, "small sample: read with care")
    assert survey_cell(61.0, 400, se=1.2) == (61.0, "")
    assert survey_cell(10.0, 400, se=3.5) == (10.0, "small sample: read with care")  # RSE 35%
    assert survey_cell(61.0, None) == (61.0, "")  # published without n: said elsewhere
    assert survey_cell(61.0, 12, rules=LEADERSHIP) == (61.0, "")


def test_groups_below_50_are_hidden_and_small_rates_flagged():
    assert not group_visible(49)
    assert group_visible(50)
    assert not group_visible(None)
    assert rate_flag(20) == "unstable: 20 or fewer offences"
    assert rate_flag(21) == ""


def test_chart_csv_cells_cannot_start_a_formula():
    import pandas as pd

    from metrics.publish import csv_bytes

    frame = pd.DataFrame(
        {
            "series": ['=HYPERLINK("http://x")', "+SUM(A1)", "@cmd", "-2+3", "Eastside"],
            "y": [1, 2, 3, -4, 5.5],
        }
    )
    text = csv_bytes(frame).decode("utf-8-sig")
    lines = text.splitlines()
    assert lines[0] == "series,y"
    assert lines[1].startswith("\"'=HYPERLINK(")
    assert lines[2] == "'+SUM(A1),2.0"
    assert lines[3] == "'@cmd,3.0"
    assert lines[4] == "'-2+3,-4.0"  # a negative number stays a number
    assert lines[5] == "Eastside,5.5"


def test_figure_table_lists_what_a_chart_draws():
    import plotly.graph_objects as go

    from charts.figures import figure_table

    fig = go.Figure(
        [go.Bar(x=["A", "B"], y=[12, 30], name="Before", text=["12", "30"]), go.Scatter(x=[1], y=[2])]
    )
    table = figure_table(fig)
    assert table[["series", "x", "y"]].values.tolist() == [
        ["Before", "A", 12],
        ["Before", "B", 30],
        ["", 1, 2],
    ]
    assert list(table["label"][:2]) == ["12", "30"]
    assert table["label"].isna().iloc[2]


def test_labels_say_fewer_than_11_only_for_small_counts():
    from metrics.publish import shown_counts

    assert shown_counts([6, 25, 31]) == ([None, None, 31], ["fewer than 11", "not shown", "31"])
    assert shown_counts([6, 25, 31], LEADERSHIP) == ([6, 25, 31], ["6", "25", "31"])
    assert shown_counts([6, 25], with_total=False) == ([None, 25], ["fewer than 11", "25"])
