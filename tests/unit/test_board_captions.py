"""Board captions are written from the numbers: rises, falls, no clear change, too early
to tell, a published figure without n, one-month windows, and small counts in public."""

from datetime import date

import pytest

from charts.captions import board_caption
from metrics.publish import count_text

START = date(2022, 3, 1)


def survey(before, after, comparison=(60.0, 61.0), verdict="Improved", estimate=5.0, ci=(1.0, 9.0), n=True):
    def side(mean, se, count):
        return {"mean": mean, "se": se if n else None, "n": count if n else None}

    return {
        "outcome": "trust",
        "label": "Trust in police",
        "kind": "survey",
        "windows": {"months_each": 12},
        "treated": {"before": side(before, 1.5, 400), "after": side(after, 1.4, 412)},
        "comparison": {"before": side(comparison[0], 1.2, 500), "after": side(comparison[1], 1.2, 480)},
        "effect": {"estimate": estimate, "ci": list(ci), "scale": "points", "mde": 4.0},
        "verdict": verdict,
        "sentence": "(the evaluation's own sentence)",
    }


def crime(before, after, comp=(500, 520), verdict="Improved", estimate=-0.2, ci=(-0.35, -0.05), months=12):
    return {
        "outcome": "violent",
        "label": "Violent crime",
        "kind": "crime",
        "windows": {"months_each": months},
        "treated": {"areas": ["A"], "before": before, "after": after},
        "comparison": {"areas": ["B"], "before": comp[0], "after": comp[1]},
        "effect": {"estimate": estimate, "ci": list(ci), "scale": "relative", "mde": 0.3},
        "verdict": verdict,
        "sentence": "(the evaluation's own sentence)",
    }


def test_a_rise_in_trust_with_its_margin_n_and_comparison():
    text = board_caption(survey(58.2, 64.4), START)
    margin = 1.96 * (1.5**2 + 1.4**2) ** 0.5  # 4.0 points
    assert text.startswith(
        "Trust in police rose from 58 to 64 out of 100 since the partnership began in March 2022 "
        f"(give or take {round(margin)} points, 812 residents asked in the 12 months before and after); "
        "in comparable areas it rose 1 point."
    )
    assert text.endswith(
        "Against comparable areas that is +5 points (between +1 and +9): a clear improvement."
    )


def test_a_fall_reads_as_a_fall_and_a_worsening():
    text = board_caption(survey(64.4, 58.2, (61.0, 61.2), "Worsened", -6.4, (-10.0, -2.0)), START)
    assert "Trust in police fell from 64 to 58 out of 100" in text
    assert "in comparable areas it did not change" in text
    assert text.endswith("that is -6 points (between -10 and -2): a clear worsening.")


def test_no_clear_change_says_a_change_that_matters_is_ruled_out():
    text = board_caption(survey(58.4, 58.1, verdict="No clear change", estimate=-1.3, ci=(-4.0, 1.5)), START)
    assert "stayed at 58 out of 100" in text
    assert "no clear change: the interval rules out a change that would matter" in text


def test_inconclusive_says_chance_and_a_real_change_could_both_give_it():
    text = board_caption(crime(40, 36, verdict="Inconclusive", estimate=-0.12, ci=(-0.5, 0.4)), START)
    assert text.endswith(
        "that is 12% fewer (between -50% and +40%): inconclusive: chance alone could give a difference "
        "this size, and so could a real change; a change smaller than 30% could not be seen."
    )


def test_too_early_to_tell_states_what_could_not_be_seen():
    text = board_caption(crime(40, 36, verdict="Too early to tell", estimate=-0.12, ci=(-0.5, 0.4)), START)
    assert "went from 40 in the 12 months before it began in March 2022 to 36 in the 12 months after" in text
    assert text.endswith(
        "that is 12% fewer (between -50% and +40%): too early to tell; "
        "a change smaller than 30% could not be seen yet."
    )


def test_a_published_figure_without_n_says_so_and_claims_no_margin():
    text = board_caption(survey(58.0, 62.0, n=False), START)
    assert "(sample size not reported)" in text
    assert "give or take" not in text


def test_one_month_windows_are_worded_as_one_month():
    text = board_caption(crime(30, 22, months=1), START)
    assert "from 30 in the month before it began in March 2022 to 22 in the month after" in text


def test_not_enough_data_gives_the_reason_not_a_made_up_change():
    outcome = crime(30, 22, verdict="Not enough data")
    outcome["sentence"] = "Not enough data: no comparison area without a partnership to compare with."
    text = board_caption(outcome, START)
    assert text.endswith("Not enough data: no comparison area without a partnership to compare with.")
    assert "Against comparable areas" not in text


@pytest.mark.parametrize(("before", "after", "shown"), [(7, 12, "fewer than 11"), (0, 3, "0")])
def test_public_captions_never_show_a_count_from_1_to_10(before, after, shown):
    text = board_caption(crime(before, after), START, count_text=count_text)
    assert f"went from {shown} in the 12 months" in text
    assert f" {before} in" not in text or before == 0
    assert "3 in the 12 months after" not in text


def test_the_caption_repeats_the_numbers_of_the_evaluation(demo_engine):
    """Against the real evaluation: the counts in the sentence are the evaluation's."""
    from metrics.evaluation import Design, evaluate

    with demo_engine.connect() as conn:
        result = evaluate(conn, "RIV-EAST-SCHOOLS", design=Design())
    violent = next(o for o in result["outcomes"] if o["outcome"] == "violent")
    text = board_caption(violent, result["start"])
    t, c = violent["treated"], violent["comparison"]
    assert f"went from {t['before']:,} in the 12 months before" in text
    assert f"to {t['after']:,} in the 12 months after" in text
    assert f"from {c['before']:,} to {c['after']:,}" in text
    assert f"{abs(violent['effect']['estimate']) * 100:.0f}% fewer" in text
