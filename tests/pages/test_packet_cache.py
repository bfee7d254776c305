"""The public packet is made once per partnership and data version: a room full of phones
asking for it costs one export, and an import (from anywhere) makes it again."""

from __future__ import annotations

from sqlalchemy import insert

from db.models import LoadLog
from tests.pages.test_access import town
from ui import data as ui_data


def test_many_requests_cost_one_export_until_the_data_changes(tmp_path, monkeypatch):
    url, engine = town(tmp_path)
    exports = []
    real_export = ui_data.export

    def counted(deck, fmt):
        exports.append((deck.code, fmt))
        return real_export(deck, fmt)

    monkeypatch.setattr(ui_data, "export", counted)
    first = ui_data.version(url)
    packets = [ui_data.deck_file(url, "public", "ASH", "pdf", ui_data.version(url)) for _ in range(5)]
    assert exports == [("ASH", "pdf")]
    assert len(set(packets)) == 1
    assert packets[0].startswith(b"%PDF")

    with engine.begin() as conn:  # an import, as `commonground import` records one
        conn.execute(
            insert(LoadLog),
            {"kind": "crime_incidents", "file_name": "more.csv", "rows_inserted": 1},
        )
    assert ui_data.version(url) != first
    ui_data.deck_file(url, "public", "ASH", "pdf", ui_data.version(url))
    assert exports == [("ASH", "pdf"), ("ASH", "pdf")]
