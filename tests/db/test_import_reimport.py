"""Importing again: the import key is the file's SHA-256 and what its mapping means, so a
corrected mapping is applied (offence groups included) and an identical import changes nothing."""

from __future__ import annotations

from sqlalchemy import func, select

from db.importing.mapping import load_mapping, parse_mapping
from db.importing.run import import_file, mapping_fingerprint
from db.models import CrimeMonthly, LoadLog, OffenceCategory
from tests.db.conftest import data_sha, write

WRONG = {
    "kind": "crime",
    "source": "rms",
    "date_format": "%Y-%m-%d",
    "columns": {"area": "area", "category": "offence", "occurred": "date", "source_id": "id"},
    "groups": {"Assault": "violent", "Theft": "property", "Burglary": "violent"},  # Burglary: wrong
}
FIXED = {**WRONG, "groups": {**WRONG["groups"], "Burglary": "property"}}
INCIDENTS = (
    "id,date,area,offence\n"
    "1,2024-01-03,Northfield,Assault\n"
    "2,2024-01-09,Northfield,Burglary\n"
    "3,2024-02-15,Southgate,Burglary\n"
    "4,2024-02-20,Southgate,Theft\n"
    "5,2024-02-21,Northfield,Burglary\n"
)


def _by_group(engine) -> dict[str, int]:
    """Incidents per crime group, as every chart counts them: the roll-up by its categories' group."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(OffenceCategory.crime_group, func.sum(CrimeMonthly.count))
            .join(OffenceCategory, OffenceCategory.id == CrimeMonthly.category_id)
            .group_by(OffenceCategory.crime_group)
        ).all()
    return dict(rows)


def test_the_same_file_with_corrected_groups_moves_the_offence_and_its_counts(towns, tmp_path):
    engine = towns
    source = write(tmp_path / "incidents.csv", INCIDENTS)
    first = import_file(engine, source, parse_mapping(WRONG))
    assert first.accepted, first.text()
    assert _by_group(engine) == {"violent": 4, "property": 1}

    again = import_file(engine, source, parse_mapping(FIXED))

    assert again.accepted, again.text()
    assert not again.already_imported
    assert (again.inserted, again.updated, again.skipped) == (0, 0, 5)
    assert "offence 'Burglary' moved from violent to property" in again.text()
    assert "imported before with a different mapping" in again.text()
    assert _by_group(engine) == {"violent": 1, "property": 4}
    with engine.connect() as conn:
        groups = dict(conn.execute(select(OffenceCategory.source_code, OffenceCategory.crime_group)).all())
        logged = conn.execute(select(LoadLog.mapping_fingerprint).order_by(LoadLog.id)).scalars().all()
    assert groups == {"Assault": "violent", "Burglary": "property", "Theft": "property"}
    assert logged == [mapping_fingerprint(parse_mapping(WRONG)), mapping_fingerprint(parse_mapping(FIXED))]


def test_identical_import_again_changes_nothing_and_says_so(lite, tmp_path):
    engine, path = lite
    source = write(tmp_path / "incidents.csv", INCIDENTS)
    assert import_file(engine, source, parse_mapping(FIXED)).accepted
    before = data_sha(path)

    again = import_file(engine, source, parse_mapping(FIXED))

    assert again.already_imported
    assert "already imported with this mapping (same SHA-256, same mapping); nothing changed" in again.text()
    assert data_sha(path) == before


def test_a_different_file_with_the_corrected_mapping_applies_the_new_group(towns, tmp_path):
    engine = towns
    import_file(engine, write(tmp_path / "january.csv", INCIDENTS), parse_mapping(WRONG))
    march = "id,date,area,offence\n6,2024-03-02,Southgate,Burglary\n7,2024-03-05,Southgate,Assault\n"

    report = import_file(engine, write(tmp_path / "march.csv", march), parse_mapping(FIXED))

    assert report.accepted, report.text()
    assert (report.inserted, report.updated) == (2, 0)
    assert report.regrouped == [("Burglary", "violent", "property")]
    # the earlier file's three burglaries moved too: the group belongs to the offence
    assert _by_group(engine) == {"violent": 2, "property": 5}


def test_a_regroup_checked_with_a_dry_run_would_move_and_changes_nothing(lite, tmp_path):
    engine, path = lite
    source = write(tmp_path / "incidents.csv", INCIDENTS)
    import_file(engine, source, parse_mapping(WRONG))
    before = data_sha(path)

    check = import_file(engine, source, parse_mapping(FIXED), dry_run=True)

    assert "offence 'Burglary' would move from violent to property" in check.text()
    assert data_sha(path) == before
    assert _by_group(engine) == {"violent": 4, "property": 1}


def test_an_offence_categories_import_then_a_crime_file_read_by_columns_regroups(towns, tmp_path):
    """The quick, column-wise way (a source with no incidents yet) moves a group as well."""
    engine = towns
    categories = "source,code,name,group\nrms,Burglary,Burglary,violent\n"
    mapping = parse_mapping({"kind": "offence_categories"})
    assert import_file(engine, write(tmp_path / "categories.csv", categories), mapping).accepted

    report = import_file(engine, write(tmp_path / "incidents.csv", INCIDENTS), parse_mapping(FIXED))

    assert report.accepted, report.text()
    assert report.read_by_columns
    assert "offence 'Burglary' moved from violent to property" in report.text()
    assert _by_group(engine) == {"violent": 1, "property": 4}


def test_a_load_logged_before_fingerprints_counts_as_another_mapping(lite, tmp_path):
    """Rows logged before the fingerprint was kept hold NULL: the file is read again, not refused."""
    engine, _ = lite
    source = write(tmp_path / "incidents.csv", INCIDENTS)
    first = import_file(engine, source, parse_mapping(FIXED))
    with engine.begin() as conn:
        conn.execute(LoadLog.__table__.update().values(mapping_fingerprint=None))

    again = import_file(engine, source, parse_mapping(FIXED))

    assert not again.already_imported
    assert (again.inserted, again.updated, again.skipped) == (0, 0, first.inserted)


def test_the_fingerprint_is_the_mapping_s_meaning_not_its_spelling(tmp_path):
    one = write(
        tmp_path / "one.toml",
        'kind = "crime"\nsource = "rms"\ndescription = "first words"\n'
        '[columns]\narea = "area"\ncategory = "offence"\n'
        '[groups]\nAssault = "violent"\nTheft = "property"\n',
    )
    reordered = write(  # keys in another order, a default spelt out, other words for people
        tmp_path / "reordered.toml",
        'source = "rms"\nkind = "crime"\nduplicates = "drop"\ndescription = "other words"\n'
        '[groups]\nTheft = "property"\nAssault = "violent"\n'
        '[columns]\ncategory = "offence"\narea = "area"\n',
    )
    moved = write(tmp_path / "moved.toml", one.read_text().replace('Theft = "property"', 'Theft = "other"'))

    assert mapping_fingerprint(load_mapping(one)) == mapping_fingerprint(load_mapping(reordered))
    assert mapping_fingerprint(load_mapping(one)) != mapping_fingerprint(load_mapping(moved))
