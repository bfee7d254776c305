"""A tiny, hand-checkable city: two areas, one partnership serving area A.

Survey (quarter 2024 Q1, residents of A):
  r1 weight 1: TRUST 8 of 0-10 (80),  SAT 1 of reverse 1-5 (100, positive)
  r2 weight 2: TRUST 10 (100, positive), SAT 4 (25)
  r3 weight 1: TRUST 5 (50)            (no satisfaction answer)
Ignored: r4 lives in B (no partnership); r5 is an officer in A.
Crime in A: 3 violent incidents in Jan 2024, a published count of 5 property
crimes in Mar 2024; B has 9 violent in Jan 2024 (not a partnership area).
"""

from datetime import date

from sqlalchemy import insert

from db.models import (
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

Q1 = date(2024, 1, 1)


def fill_tiny(engine) -> None:
    """Write the tiny city into a migrated, empty database."""
    with engine.begin() as conn:
        conn.execute(
            insert(Area),
            [
                {"id": 1, "code": "A", "name": "Area A", "kind": "beat", "population": 1000},
                {"id": 2, "code": "B", "name": "Area B", "kind": "beat", "population": 2000},
            ],
        )
        conn.execute(
            insert(Partnership),
            {
                "id": 1,
                "code": "P",
                "name": "Partnership P",
                "start_date": date(2023, 6, 1),
                "status": "active",
            },
        )
        conn.execute(insert(PartnershipArea), {"partnership_id": 1, "area_id": 1, "role": "catchment"})
        conn.execute(
            insert(SurveyItem),
            [
                {
                    "id": 1,
                    "code": "TRUST",
                    "wording": "Treat residents with respect",
                    "construct": "trust",
                    "scale_min": 0,
                    "scale_max": 10,
                    "reverse_worded": False,
                },
                {
                    "id": 2,
                    "code": "SAT",
                    "wording": "Good job (1 = excellent)",
                    "construct": "satisfaction",
                    "scale_min": 1,
                    "scale_max": 5,
                    "reverse_worded": True,
                },
            ],
        )
        responses = [
            (1, "resident", 1, 1.0),
            (2, "resident", 1, 2.0),
            (3, "resident", 1, 1.0),
            (4, "resident", 2, 1.0),
            (5, "officer", 1, 1.0),
        ]
        conn.execute(
            insert(SurveyResponse),
            [
                {
                    "id": i,
                    "respondent_type": t,
                    "area_id": a,
                    "responded_on": date(2024, 2, 1),
                    "quarter_start": Q1,
                    "weight": w,
                }
                for i, t, a, w in responses
            ],
        )
        answers = [(1, 1, 8), (1, 2, 1), (2, 1, 10), (2, 2, 4), (3, 1, 5), (4, 1, 0), (5, 1, 0)]
        conn.execute(
            insert(SurveyAnswer), [{"response_id": r, "item_id": i, "value": v} for r, i, v in answers]
        )
        conn.execute(
            insert(OffenceCategory),
            [
                {
                    "id": 1,
                    "source": "t",
                    "source_code": "ASSAULT",
                    "name": "Assault",
                    "crime_group": "violent",
                },
                {"id": 2, "source": "t", "source_code": "THEFT", "name": "Theft", "crime_group": "property"},
            ],
        )
        incidents = [(1, date(2024, 1, d), 1, 1) for d in (2, 9, 30)]
        incidents += [(1, date(2024, 3, 1), 2, 5)] + [(2, date(2024, 1, 5), 1, 9)]
        conn.execute(
            insert(CrimeIncident),
            [
                {
                    "source": "t",
                    "source_id": str(k),
                    "occurred_on": d,
                    "occurred_month": d.replace(day=1),
                    "area_id": a,
                    "category_id": c,
                    "count": n,
                }
                for k, (a, d, c, n) in enumerate(incidents)
            ],
        )
        refresh_crime_monthly(conn)
        refresh_survey_monthly(conn)
