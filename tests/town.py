"""A small town for public-safety tests: one partnership with a year either side of its
start, small violent counts, 25 residents asked before (too few to publish) and 70
after, and one small meeting. The small numbers are the ones the public must never see."""

from __future__ import annotations

from datetime import date

from sqlalchemy import insert

from db.models import (
    Activity,
    Area,
    CrimeIncident,
    OffenceCategory,
    Partnership,
    PartnershipArea,
    SurveyAnswer,
    SurveyItem,
    SurveyResponse,
)
from db.rollup import refresh_crime_monthly, refresh_survey_monthly

START = date(2023, 1, 1)
VIOLENT = (4, 7)  # the small counts the public must never see
PROPERTY = (40, 33)


def fill_town(engine) -> None:
    """Write the town into a migrated, empty database."""
    with engine.begin() as conn:
        conn.execute(
            insert(Area),
            [
                {"id": 1, "code": "A", "name": "Ashby", "kind": "neighbourhood", "population": 4000},
                {"id": 2, "code": "B", "name": "Brook", "kind": "neighbourhood", "population": 5000},
            ],
        )
        conn.execute(
            insert(Partnership), {"id": 1, "code": "ASH", "name": "Ashby Together", "start_date": START}
        )
        conn.execute(
            insert(PartnershipArea),
            [
                {"partnership_id": 1, "area_id": 1, "role": "catchment"},
                {"partnership_id": 1, "area_id": 2, "role": "comparison"},
            ],
        )
        conn.execute(
            insert(OffenceCategory),
            [
                {"id": 1, "source": "t", "source_code": "V", "name": "V", "crime_group": "violent"},
                {"id": 2, "source": "t", "source_code": "P", "name": "P", "crime_group": "property"},
            ],
        )
        incidents, key = [], 0
        for area, category, before, after in [
            (1, 1, *VIOLENT),
            (1, 2, *PROPERTY),
            (2, 1, 30, 28),
            (2, 2, 120, 118),
        ]:
            for total, year in ((before, 2022), (after, 2023)):
                for i in range(total):
                    key += 1
                    day = date(year, 1 + i % 12, 1 + i % 27)
                    incidents.append(
                        {
                            "source": "t",
                            "source_id": str(key),
                            "occurred_on": day,
                            "occurred_month": day.replace(day=1),
                            "area_id": area,
                            "category_id": category,
                            "count": 1,
                        }
                    )
        conn.execute(insert(CrimeIncident), incidents)
        conn.execute(
            insert(SurveyItem),
            {"id": 1, "code": "T", "wording": "Trust", "construct": "trust", "scale_min": 0, "scale_max": 10},
        )
        responses, answers = [], []
        for i, (year, month) in enumerate([(2022, 5)] * 25 + [(2023, 5)] * 70, start=1):
            responded = date(year, month, 10)
            responses.append(
                {
                    "id": i,
                    "respondent_type": "resident",
                    "area_id": 1,
                    "responded_on": responded,
                    "quarter_start": date(year, 4, 1),
                    "weight": 1.0,
                }
            )
            answers.append({"response_id": i, "item_id": 1, "value": float(5 + i % 5)})
        conn.execute(insert(SurveyResponse), responses)
        conn.execute(insert(SurveyAnswer), answers)
        conn.execute(
            insert(Activity),
            [
                {"partnership_id": 1, "occurred_on": date(2023, 2, 1), "kind": "meeting", "attendance": 6},
                {"partnership_id": 1, "occurred_on": date(2023, 5, 1), "kind": "meeting", "attendance": 25},
                {"partnership_id": 1, "occurred_on": date(2023, 8, 1), "kind": "meeting", "attendance": 31},
            ],
        )
        refresh_crime_monthly(conn)
        refresh_survey_monthly(conn)
