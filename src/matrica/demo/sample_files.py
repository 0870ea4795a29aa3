"""Files to try the import page with (docs/imports.md), written next to the demo database: the
Montenegrin administration's roster as its HR office would export it (Windows-1250, semicolons,
dd.mm.yyyy), the same with mistakes to see the checks at work, and past training."""

from __future__ import annotations

import datetime
from pathlib import Path

from matrica.staff.models import StaffMember
from matrica.tenancy.models import Beneficiary

CODE = "ME"
ROSTER_HEADER = ["Matični broj", "Ime", "Prezime", "Ustanova", "Kategorija", "Datum zaposlenja"]
EVIDENCE_HEADER = ["Matični broj", "Modul", "Oblast", "Nivo", "Datum", "Važi do", "Izvor",
                   "Napomena"]  # fmt: skip
NEWCOMERS = [
    ("Đurđica", "Šćekić", "FLO"),
    ("Čedomir", "Žižić", "FLO"),
    ("Ljiljana", "Njegoš", "TRS"),
]


def _line(cells: list[str]) -> str:
    return ";".join(cells) + "\r\n"


def write_sample_files(folder: Path, today: datetime.date) -> list[Path]:
    """The three files, or none when the demo has no Montenegrin administration."""
    beneficiary = Beneficiary.objects.filter(code=CODE).first()
    if beneficiary is None:
        return []
    people = list(
        StaffMember.objects.filter(beneficiary=beneficiary, active=True)
        .select_related("institution", "primary_category")
        .order_by("employee_number")
    )
    if not people:
        return []
    folder.mkdir(parents=True, exist_ok=True)
    prison = people[0].institution.name
    rows = [
        [m.employee_number, m.given_name, m.family_name, m.institution.name,
         m.primary_category.code, m.entry_date.strftime("%d.%m.%Y")]
        for m in people
    ]  # fmt: skip
    entry = (today - datetime.timedelta(days=30)).strftime("%d.%m.%Y")
    rows += [
        [f"{CODE}-NEW-{n}", given, family, prison, category, entry]
        for n, (given, family, category) in enumerate(NEWCOMERS, start=1)
    ]
    roster = folder / "roster-me.csv"
    roster.write_text("".join(map(_line, [ROSTER_HEADER, *rows])), encoding="cp1250")

    mistaken = [list(row) for row in rows[-3:]]
    mistaken[0][5] = "31.02.2021"  # no such day
    mistaken[1][3] = "KPZ Nepoznato"  # no such institution
    header = ["Radnik br.", *ROSTER_HEADER[1:]]  # a header to match on the page
    with_errors = folder / "roster-me-with-errors.csv"
    with_errors.write_text("".join(map(_line, [header, *mistaken])), encoding="cp1250")

    taken = (today - datetime.timedelta(days=400)).strftime("%d.%m.%Y")
    evidence_rows = [
        [people[0].employee_number, "", "RAD", "A", taken, "", "prior learning",
         "Kurs OEBS-a o radikalizaciji, sertifikat provjeren"],
        [people[1].employee_number, "BA", "", "", taken, "", "e-learning", ""],
    ]  # fmt: skip
    evidence = folder / "evidence-me.csv"
    evidence.write_text("".join(map(_line, [EVIDENCE_HEADER, *evidence_rows])), encoding="cp1250")
    return [roster, with_errors, evidence]
