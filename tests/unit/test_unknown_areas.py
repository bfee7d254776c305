"""The Data page's one-step alias: which known area it chooses for an unknown name."""

from db.importing.report import Problem, Report
from ui.importer import UnknownArea, unknown_areas

KNOWN = ["City of Westminster", "Kensington and Chelsea", "O'Hare", "West Loop", "West Town"]


def _refused(*names: str) -> Report:
    report = Report(kind="crime", file_name="city.csv", sha256="")
    for line, name in enumerate(names, start=2):
        report.problems.append(Problem(line, "area", name, "unknown area", "(the import's own text)"))
    return report


def test_only_the_same_name_written_differently_is_chosen_for_the_person():
    found = unknown_areas(_refused("Kensington & Chelsea", "Westminster", "West Lawn", "OHARE"), KNOWN)
    assert found == [
        UnknownArea("Kensington & Chelsea", "Kensington and Chelsea", ()),  # chosen: the same place
        UnknownArea("Westminster", "", ("City of Westminster",)),  # asked about, never chosen
        UnknownArea("West Lawn", "", ()),  # a different place sharing a word: nothing offered
        UnknownArea("OHARE", "O'Hare", ()),  # an apostrophe in a name does not break it
    ]


def test_each_unknown_name_is_listed_once_in_the_order_the_file_gives():
    found = unknown_areas(_refused("West Lawn", "Westminster", "West Lawn"), KNOWN)
    assert [a.name for a in found] == ["West Lawn", "Westminster"]
