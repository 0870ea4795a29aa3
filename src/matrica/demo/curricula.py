"""The demo region's curriculum inventories: the courses each administration runs today, as
../shared/docs/region.md describes them (Montenegro's Basic and Advanced courses for new and
experienced prison and probation staff, initial training for front-line officers, probation
in-service training, the cascade's training of trainers, an exit-work course of 16 hours), each
mapped onto the matrix. Written through `curricula.actions`, like any inventory, so that the
trail shows them. The inventories differ on purpose: some cells are covered at the required
level, some below it or in too few hours, some not at all, so that the gap analysis has
strengths, partial cover and gaps to show.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import QuerySet

from matrica.curricula import actions
from matrica.curricula.models import Course, CourseCoverage
from matrica.framework.models import CompetencyArea, Level, StaffCategory
from matrica.tenancy.models import Beneficiary
from matrica.tenancy.scoping import SYSTEM

# (area, category, level, hours)
CellSpec = tuple[str, str, str, int]
# (code, title, kind, target groups, hours, topics, cells)
CourseSpec = tuple[str, str, str, tuple[str, ...], int, str, tuple[CellSpec, ...]]

INITIAL, IN_SERVICE, SPECIALISED = (
    Course.Kind.INITIAL.value, Course.Kind.IN_SERVICE.value, Course.Kind.SPECIALISED.value,
)  # fmt: skip

# Front-line officers' initial training, as most administrations run it (a few days of the
# basic course on radicalisation inside a longer induction).
_FLO_INITIAL: tuple[CellSpec, ...] = (
    ("RAD", "FLO", "A", 8), ("IDN", "FLO", "A", 6), ("REP", "FLO", "A", 4),
    ("DYN", "FLO", "P", 16), ("COM", "FLO", "P", 12), ("HRL", "FLO", "A", 8),
)  # fmt: skip
_PROBATION: tuple[CellSpec, ...] = (
    ("RAD", "PRO", "A", 6), ("RSK", "PRO", "P", 12), ("REI", "PRO", "P", 8),
    ("MAC", "PRO", "A", 4),
)  # fmt: skip

INVENTORIES: dict[str, tuple[CourseSpec, ...]] = {
    "ME": (
        (
            "ME-OSN",
            "Osnovni kurs: radikalizacija i nasilni ekstremizam",
            INITIAL,
            ("FLO", "TRS", "PRO"),
            16,
            "Radikalizacija i nasilni ekstremizam; standardi i pravni okvir; prevencija; "
            "komunikacija sa osuđenim licima",
            (
                ("RAD", "FLO", "A", 4),
                ("RAD", "TRS", "A", 4),
                ("RAD", "PRO", "A", 4),
                ("HRL", "FLO", "A", 3),
                ("HRL", "TRS", "A", 3),
                ("COM", "FLO", "A", 4),
                ("IDN", "FLO", "A", 3),
            ),
        ),
        (
            "ME-NAP",
            "Napredni kurs: upravljanje i rehabilitacija nasilnih ekstremista",
            IN_SERVICE,
            ("FLO", "TRS", "PRO", "MGR"),
            24,
            "Upravljanje i rehabilitacija osuđenih za nasilni ekstremizam; komunikacija; saradnja "
            "službi zavoda i sa drugim organima",
            (
                ("RAD", "TRS", "P", 6),
                ("INT", "TRS", "P", 8),
                ("COM", "FLO", "P", 6),
                ("MAC", "TRS", "P", 4),
                ("MAC", "PRO", "P", 4),
                ("MGT", "MGR", "A", 4),
                ("RSK", "TRS", "A", 4),
            ),
        ),
        (
            "ME-OBZ",
            "Početna obuka službenika obezbjeđenja",
            INITIAL,
            ("FLO",),
            120,
            "Uvodna obuka za nove službenike obezbjeđenja (Spuž, Bijelo Polje)",
            _FLO_INITIAL,
        ),
        (
            "ME-TOT",
            "Obuka trenera (kaskadna obuka)",
            SPECIALISED,
            ("TRN",),
            16,
            "Dvodnevna obuka trenera koji zatim obučavaju kolege u svojim zavodima",
            (("TOT", "TRN", "P", 12), ("RAD", "TRN", "P", 4)),
        ),
    ),
    "RS": (
        (
            "RS-POC",
            "Почетна обука припадника службе за обезбеђење",
            INITIAL,
            ("FLO",),
            160,
            "Увод у службу, динамичка безбедност, комуникација, људска права",
            _FLO_INITIAL,
        ),
        (
            "RS-POV",
            "Стручно усавршавање повереника",
            IN_SERVICE,
            ("PRO",),
            32,
            "Процена ризика и потреба, планирање отпуста, сарадња са другим службама",
            _PROBATION,
        ),
        (
            "RS-TOT",
            "Обука тренера за каскадну обуку",
            SPECIALISED,
            ("TRN",),
            16,
            "Обука тренера; вршњачки тренинзи у заводима",
            (("TOT", "TRN", "P", 10), ("RAD", "TRN", "P", 6)),
        ),
        (
            "RS-TRT",
            "Рад са осуђенима за насилни екстремизам",
            SPECIALISED,
            ("TRS",),
            32,
            "Процена ризика, интервенције дезангажовања",
            (("RSK", "TRS", "S", 12), ("INT", "TRS", "P", 12), ("RAD", "TRS", "P", 8)),
        ),
    ),
    "AL": (
        (
            "AL-FIL",
            "Trajnimi fillestar për punonjësit e Policisë së Burgjeve",
            INITIAL,
            ("FLO",),
            96,
            "Siguria dinamike, komunikimi, të drejtat e njeriut",
            _FLO_INITIAL[:4],
        ),
        (
            "AL-PRV",
            "Trajnim në punë për punonjësit e Shërbimit të Provës",
            IN_SERVICE,
            ("PRO",),
            32,
            "Vlerësimi i riskut, riintegrimi",
            _PROBATION[:3],
        ),
    ),
    "BA": (
        (
            "BA-POC",
            "Početna obuka pripadnika službe osiguranja",
            INITIAL,
            ("FLO",),
            80,
            "Dinamička sigurnost, komunikacija, ljudska prava",
            _FLO_INITIAL,
        ),
        (
            "BA-TRT",
            "Tretman osuđenih za nasilni ekstremizam",
            SPECIALISED,
            ("TRS",),
            16,
            "Procjena rizika, intervencije",
            (("RSK", "TRS", "P", 8), ("INT", "TRS", "A", 8)),
        ),
    ),
    "MK": (
        (
            "MK-POC",
            "Почетна обука за припадниците на затворската полиција",
            INITIAL,
            ("FLO",),
            80,
            "Динамичка безбедност, комуникација",
            _FLO_INITIAL[:5],
        ),
        (
            "MK-PRB",
            "Обука за пробациски службеници",
            IN_SERVICE,
            ("PRO",),
            32,
            "Проценка на ризик, реинтеграција, соработка",
            _PROBATION,
        ),
    ),
    "XK": (
        (
            "XK-FIL",
            "Trajnimi fillestar për stafin e uniformuar",
            INITIAL,
            ("FLO",),
            120,
            "Siguria dinamike, raportimi, të drejtat e njeriut",
            _FLO_INITIAL,
        ),
        (
            "XK-TOT",
            "Trajnimi i trajnerëve (kaskadë)",
            SPECIALISED,
            ("TRN",),
            16,
            "Trajnimi i trajnerëve; trajnime nga kolegët në institucione",
            (("TOT", "TRN", "P", 12), ("RAD", "TRN", "A", 4)),
        ),
        (
            "XK-DAL",
            "Puna për daljen nga ekstremizmi (16 orë në tri javë)",
            SPECIALISED,
            ("TRS", "PRO"),
            16,
            "Shkëputja, riintegrimi pas lirimit",
            (("INT", "TRS", "P", 8), ("REI", "PRO", "P", 8)),
        ),
    ),
    "TR": (
        (
            "TR-TEM",
            "İnfaz ve koruma memurları temel eğitimi",
            INITIAL,
            ("FLO",),
            200,
            "Dinamik güvenlik, iletişim, insan hakları, radikalleşmenin belirtileri",
            _FLO_INITIAL,
        ),
        (
            "TR-YON",
            "Kurum yöneticileri için radikalleşme eğitimi",
            IN_SERVICE,
            ("MGR",),
            16,
            "Kurumsal müdahalenin yönetimi, çok kurumlu işbirliği",
            (("MGT", "MGR", "P", 10), ("MAC", "MGR", "A", 6)),
        ),
        (
            "TR-DS",
            "Denetimli serbestlik personeli hizmet içi eğitimi",
            IN_SERVICE,
            ("PRO",),
            32,
            "Risk ve ihtiyaç değerlendirmesi, tahliye sonrası destek",
            _PROBATION,
        ),
        (
            "TR-EGT",
            "Kurum içi eğitici eğitimi",
            SPECIALISED,
            ("TRN",),
            24,
            "Yetişkin eğitimi, eğitim tasarımı",
            (("TOT", "TRN", "P", 24),),
        ),
    ),
}


def build_curricula(beneficiaries: Iterable[Beneficiary]) -> int:
    """Give each of `beneficiaries` that has an inventory above its courses (as the operator,
    through the actions); returns how many courses were written. Administrations without one
    (a test world's) are passed over."""
    areas = {a.code: a for a in CompetencyArea.objects.all()}
    categories = {c.code: c for c in StaffCategory.objects.all()}
    levels = {lv.code: lv for lv in Level.objects.all()}
    written = 0
    for beneficiary in beneficiaries:
        for code, title, kind, targets, hours, topics, cells in INVENTORIES.get(
            beneficiary.code, ()
        ):
            actions.create_course(
                actor=SYSTEM, beneficiary=beneficiary, code=code, title=title, kind=kind,
                hours=hours, topics=topics, target_categories=[categories[c] for c in targets],
                cells=[actions.Cell(areas[a], categories[c], levels[lv], h)
                       for a, c, lv, h in cells],
                message="Demo inventory",
            )  # fmt: skip
            written += 1
    return written


def wipe_curricula(demo: QuerySet[Beneficiary]) -> None:
    """Remove the demo administrations' inventories (before the administrations themselves)."""
    CourseCoverage.objects.filter(course__beneficiary__in=demo).delete()
    Course.objects.filter(beneficiary__in=demo).delete()
