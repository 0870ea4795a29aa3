"""Importing a curriculum inventory: the action `import_courses`, which brings an
administration's courses and how each covers the matrix from a spreadsheet, in one transaction,
or writes nothing and says which rows are wrong and why.

The file has one row per course and matrix cell: the course's code, title, kind, target groups
and total hours (and, optionally, its topics), then the cell's competency area, staff category,
level and hours. A course's own columns may be left blank (or merged, as spreadsheets often
show them) on its further rows; a row with the code blank belongs to the course above it. A
course without cells is one row with the cell's columns blank.

Courses are matched by code within the administration: a new code is added; a known one is
changed where the file differs, its cells becoming exactly those of the file. Courses not in
the file are left as they are, and a re-run of the same file changes nothing. Every write goes
through `curricula.actions`, so the rules and the trail are the page's.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from matrica.curricula import actions
from matrica.curricula.models import Course
from matrica.framework.models import CompetencyArea, Level, StaffCategory
from matrica.tabular import (
    Column,
    Layout,
    Problem,
    Row,
    RowsRefused,
    Sheet,
    layout,
    missing_columns,
    rows_of,
)
from matrica.tenancy.models import Beneficiary
from matrica.tenancy.permissions import Verb, require
from matrica.text import fold

if TYPE_CHECKING:
    from matrica.tenancy.scoping import Actor

# Headers in English, the region's languages (either script: they are compared folded) and
# Turkish.
COLUMNS = (
    Column("course_code", gettext_lazy("Course code"), (
        "code", "course no", "sifra", "sifra kursa", "sifra obuke", "sifra programa",
        "шифра курса", "шифра на курсот", "kodi", "kodi i kursit", "kurs kodu", "egitim kodu",
    )),
    Column("title", gettext_lazy("Course title"), (
        "title", "course", "course name", "naziv", "naziv kursa", "naziv obuke",
        "naziv programa", "назив курса", "назив на курсот", "kurs", "obuka", "program",
        "titulli", "emertimi", "emri i kursit", "kurs adi", "egitim adi", "egitim",
    )),
    Column("kind", gettext_lazy("Kind"), (
        "type", "kind of training", "vrsta", "vrsta obuke", "vrsta kursa", "вид на обука",
        "tip", "lloji", "lloji i trajnimit", "tur", "egitim turu",
    )),
    Column("target_groups", gettext_lazy("Target groups"), (
        "target group", "for whom", "participants", "ciljna grupa", "ciljne grupe",
        "целна група", "целни групи", "polaznici", "grupi i synuar", "grupet e synuara",
        "hedef grup", "hedef kitle", "katilimcilar",
    )),
    Column("hours", gettext_lazy("Total hours"), (
        "hours", "course hours", "duration", "ukupno casova", "broj casova", "fond casova",
        "ukupno sati", "broj sati", "trajanje", "вкупно часови", "број на часови",
        "ore gjithsej", "numri i oreve", "kohezgjatja", "toplam saat", "sure",
    )),
    Column("topics", gettext_lazy("Topics"), (
        "content", "teme", "sadrzaj", "теми", "содржина", "temat", "permbajtja", "konular",
        "icerik",
    ), required=False),
    Column("area", gettext_lazy("Competency area"), (
        "area", "oblast", "podrucje", "kompetencija", "област на компетентност", "fusha",
        "fusha e kompetences", "alan", "yetkinlik alani",
    )),
    Column("category", gettext_lazy("Staff category"), (
        "category", "kategorija", "kategorija osoblja", "kategoria", "kategoria e stafit",
        "kategori", "personel kategorisi",
    )),
    Column("level", gettext_lazy("Level"), (
        "nivo", "razina", "ниво", "niveli", "seviye", "duzey",
    )),
    Column("cell_hours", gettext_lazy("Hours in this cell"), (
        "cell hours", "hours in cell", "hours for this cell", "casova u oblasti",
        "sati u oblasti", "casova", "sati", "часови во областа", "ore ne fushe", "ore",
        "alan saati", "saat",
    )),
)  # fmt: skip
COURSE_FIELDS = ("title", "kind", "target_groups", "hours", "topics")
CELL_FIELDS = ("area", "category", "level", "cell_hours")
MAX_HOURS = 32767
# Words for the kinds of training beside their codes and labels in every language.
KIND_WORDS = {
    Course.Kind.INITIAL: ("initial", "pocetna", "pocetna obuka", "uvodna obuka", "fillestar",
                          "trajnim fillestar", "temel egitim", "baslangic egitimi"),
    Course.Kind.IN_SERVICE: ("in service", "in-service", "obuka na radu", "strucno usavrsavanje",
                             "kontinuirana obuka", "trajnim ne pune", "hizmet ici egitim",
                             "hizmet ici"),
    Course.Kind.SPECIALISED: ("specialised", "specialized", "specijalisticka obuka",
                              "specijalizovana obuka", "specijalizirana obuka",
                              "trajnim i specializuar", "uzmanlik egitimi"),
}  # fmt: skip

Progress = Callable[[int, int], None]


@dataclass
class CourseImport:
    """What an inventory import did, or would do in a dry run (counted in courses)."""

    rows: int = 0
    created: int = 0
    changed: int = 0
    unchanged: int = 0
    dry_run: bool = False

    @property
    def changes_anything(self) -> bool:
        return bool(self.created or self.changed)

    def counts(self) -> dict[str, int]:
        return {
            "rows": self.rows, "created": self.created, "changed": self.changed,
            "unchanged": self.unchanged,
        }  # fmt: skip


@dataclass
class _Course:
    """A course as the file gives it, from its first row on."""

    row: int
    code: str
    title: str = ""
    kind: str = ""
    targets: tuple[int, ...] = ()
    hours: int | None = None
    topics: str = ""
    given: dict[str, tuple[int, str]] = field(default_factory=dict)  # field → (row, value)
    # (area, category) → (level, hours, row)
    cells: dict[tuple[int, int], tuple[int, int, int]] = field(default_factory=dict)


def _add(table: dict[str, int | None], pk: int, *names: str) -> None:
    for name in names:
        key = fold(name)
        if key:
            # Two different records folding alike: neither is found by that name.
            table[key] = pk if table.get(key, pk) == pk else None


def _names_of(rows: Any) -> tuple[dict[str, int | None], dict[int, Any]]:
    table: dict[str, int | None] = {}
    by_pk = {}
    for row in rows:
        by_pk[row.pk] = row
        titles = [t.get("title", "") for t in row.translations.values()]
        _add(table, row.pk, row.code, row.title, *titles)
    return table, by_pk


class _Lookup:
    def __init__(self) -> None:
        self.areas, self.area_rows = _names_of(CompetencyArea.objects.all())
        self.categories, self.category_rows = _names_of(StaffCategory.objects.all())
        self.levels, self.level_rows = _names_of(Level.objects.all())
        self.kinds: dict[str, str] = {}
        for kind in Course.Kind:
            labels = [kind.value, kind.value.replace("_", " "), *KIND_WORDS[kind]]
            for code, _name in settings.LANGUAGES:
                with translation.override(code):
                    labels.append(str(kind.label))
            for label in labels:
                self.kinds[fold(label)] = kind.value


def _number(row: Row, key: str, most: int) -> int | None:
    """A whole number of hours from 1 to `most`, or None with a problem on the row."""
    value = row.cell(key)
    text = row.text(key).replace(",", ".")
    try:
        number = float(value) if isinstance(value, int | float) else float(text)
    except ValueError:
        row.problem(key, _("Not a number of hours."))
        return None
    if not number.is_integer():
        row.problem(key, _("Give whole hours."))
        return None
    if not 1 <= number <= most:
        row.problem(key, _("Give a number of hours from 1 to %(most)d.") % {"most": most})
        return None
    return int(number)


def _read_course_fields(row: Row, course: _Course, lookup: _Lookup, found: Layout) -> None:
    """The course's own columns on this row: taken on its first row that gives them, checked
    against that row on every further row that gives them too."""
    for key in COURSE_FIELDS:
        if key not in found.index:
            continue
        text = row.text(key)
        if not text:
            continue
        if key in course.given:
            first_row, first_text = course.given[key]
            if fold(first_text) != fold(text):
                row.problem(
                    key,
                    _("Row %(row)d gives this course “%(value)s” here.")
                    % {"row": first_row, "value": first_text},
                )
            continue
        course.given[key] = (row.number, text)
        if key == "title":
            if len(text) > 200:
                row.problem(key, _("At most 200 characters."))
            course.title = text
        elif key == "kind":
            kind = lookup.kinds.get(fold(text))
            if kind is None:
                row.problem(key, _("Not a kind of training (initial, in-service, specialised)."))
            course.kind = kind or ""
        elif key == "target_groups":
            targets = []
            for name in filter(None, (part.strip() for part in re.split(r"[,;/\n]", text))):
                pk = lookup.categories.get(fold(name))
                if pk is None:
                    row.problem(
                        key, _("No staff category has the code or title “%(name)s”.")
                        % {"name": name},
                    )  # fmt: skip
                else:
                    targets.append(pk)
            course.targets = tuple(sorted(set(targets)))
        elif key == "hours":
            course.hours = _number(row, key, MAX_HOURS)
        elif key == "topics":
            course.topics = text


def _read_cell(row: Row, course: _Course, lookup: _Lookup) -> None:
    texts = {key: row.text(key) for key in CELL_FIELDS}
    if not any(texts.values()):
        return
    found: dict[str, int | None] = {}
    for key, table, what in (
        ("area", lookup.areas, _("No competency area has this code or title.")),
        ("category", lookup.categories, _("No staff category has this code or title.")),
        ("level", lookup.levels, _("No level has this code or title.")),
    ):
        if not texts[key]:
            row.problem(key, _("Give the cell's area, staff category, level and hours."))
            found[key] = None
            continue
        found[key] = table.get(fold(texts[key]))
        if found[key] is None:
            row.problem(key, what)
    hours = None
    if not texts["cell_hours"]:
        row.problem("cell_hours", _("Give the cell's area, staff category, level and hours."))
    else:
        hours = _number(row, "cell_hours", MAX_HOURS)
    area, category, level = found["area"], found["category"], found["level"]
    if not (area and category and level and hours):
        return
    if (area, category) in course.cells:
        row.problem(
            "area", _("This course's cell %(area)s × %(category)s is in row %(row)d already.")
            % {"area": lookup.area_rows[area].code, "category": lookup.category_rows[category].code,
               "row": course.cells[area, category][2]},
        )  # fmt: skip
        return
    course.cells[area, category] = (level, hours, row.number)


def _courses(sheet: Sheet, found: Layout, lookup: _Lookup) -> tuple[list[_Course], list[Problem]]:
    courses: dict[str, _Course] = {}
    problems: list[Problem] = []
    current: _Course | None = None
    for row in rows_of(sheet, found, COLUMNS):
        code = row.text("course_code")
        if code:
            if len(code) > 30:
                row.problem("course_code", _("At most 30 characters."))
            current = courses.setdefault(code, _Course(row.number, code))
        elif current is None:
            row.problem("course_code", _("Give the course's code."))
            problems += row.problems
            continue
        _read_course_fields(row, current, lookup, found)
        _read_cell(row, current, lookup)
        problems += row.problems
    labels = {column.key: str(column.label) for column in COLUMNS}
    for course in courses.values():
        for key in ("title", "kind", "target_groups", "hours"):
            if key not in course.given:
                problems.append(Problem(
                    course.row, _header(sheet, found, key), "",
                    _("Give the course's %(column)s on one of its rows.")
                    % {"column": labels[key].lower()},
                ))  # fmt: skip
        for _level, hours, number in course.cells.values():
            if course.hours and hours > course.hours:
                problems.append(Problem(
                    number, _header(sheet, found, "cell_hours"), str(hours),
                    _("More hours than the whole course (%(hours)d).") % {"hours": course.hours},
                ))  # fmt: skip
    return list(courses.values()), problems


def _header(sheet: Sheet, found: Layout, key: str) -> str:
    position = found.index.get(key)
    if position is not None:
        return sheet.headers[position]
    return str(next(column.label for column in COLUMNS if column.key == key))


def _state(course: Course) -> tuple[Any, ...]:
    return (
        course.title, course.kind, course.hours,
        tuple(sorted(c.pk for c in course.target_categories.all())),
        {(c.area_id, c.category_id): (c.level_id, c.hours) for c in course.coverage.all()},
    )  # fmt: skip


def _wanted(course: _Course) -> tuple[Any, ...]:
    return (
        course.title, course.kind, course.hours, course.targets,
        {key: (level, hours) for key, (level, hours, _row) in course.cells.items()},
    )  # fmt: skip


@transaction.atomic
def import_courses(
    *,
    actor: Actor,
    beneficiary: Beneficiary,
    sheet: Sheet,
    mapping: Mapping[str, str] | None = None,
    dry_run: bool = False,
    source: str = "",
    progress: Progress | None = None,
) -> CourseImport:
    """Bring `sheet` (an inventory read by `matrica.tabular.read_sheet`) into `beneficiary`'s
    curriculum inventory: every course applied, or none (RowsRefused with every problem)."""
    require(actor, Verb.MANAGE_CURRICULUM, beneficiary_id=beneficiary.pk)
    found = layout(sheet, COLUMNS, mapping)
    missing_columns(found, COLUMNS)
    lookup = _Lookup()
    courses, problems = _courses(sheet, found, lookup)
    if problems:
        raise RowsRefused(problems)
    existing = {
        course.code: course
        for course in Course.objects.filter(beneficiary=beneficiary).prefetch_related(
            "target_categories", "coverage"
        )
    }
    outcome = CourseImport(rows=len(sheet.rows), dry_run=dry_run)
    plans: list[tuple[_Course, Course | None]] = []
    for course in courses:
        old = existing.get(course.code)
        topics_differ = "topics" in found.index and old is not None and old.topics != course.topics
        if old is None:
            outcome.created += 1
        elif _state(old) != _wanted(course) or topics_differ:
            outcome.changed += 1
        else:
            outcome.unchanged += 1
            continue
        plans.append((course, old))
    if dry_run or not plans:
        return outcome
    message = f"Imported ({source})" if source else "Imported"
    for done, (course, old) in enumerate(plans, start=1):
        cells = [
            actions.Cell(lookup.area_rows[area_id], lookup.category_rows[category_id],
                         lookup.level_rows[level_id], hours)
            for (area_id, category_id), (level_id, hours, _row) in course.cells.items()
        ]  # fmt: skip
        targets = [lookup.category_rows[pk] for pk in course.targets]
        fields: dict[str, Any] = {"title": course.title, "kind": course.kind,
                                  "hours": course.hours}  # fmt: skip
        if "topics" in found.index:
            fields["topics"] = course.topics
        try:
            if old is None:
                actions.create_course(
                    actor=actor, beneficiary=beneficiary, code=course.code,
                    target_categories=targets, cells=cells, message=message, **fields,
                )  # fmt: skip
            else:
                actions.change_course(
                    actor=actor, course=old, target_categories=targets, cells=cells,
                    message=message, **fields,
                )  # fmt: skip
        except ValidationError as error:
            raise RowsRefused([
                Problem(course.row, _header(sheet, found, "course_code"), course.code, text)
                for text in error.messages
            ]) from error  # fmt: skip
        if progress:
            progress(done, len(plans))
    return outcome
