"""One write path: only actions write the records of Matrica (docs/architecture.md, issue #13).

An action checks the actor's permission, validates every rule, writes, audits and reports what
changed, in one transaction. A write anywhere else skips some of that, so this guard reads the
source (with `ast`, so that comments, docstrings and messages do not count) and fails on any
call of a writing method or any writing SQL outside an `actions.py` module, unless the place is
on the allowlist below with its reason. A new screen, import or API that writes must call an
action; a new exception must be argued here.

It also checks that no admin class writes through Django's default `save_model`.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.contrib import admin

import matrica
from matrica.tenancy.admin_scoping import ScopedModelAdmin

SOURCE = Path(matrica.__file__).parent

# Not part of the running application's write path: tests and the test world build fixtures;
# migrations change the schema (and may move data once); the demo builds a throw-away region
# in bulk (and refuses a database with real data). The benchmarks live outside src/ already.
SKIPPED_DIRECTORIES = frozenset({"tests", "migrations", "testing", "demo"})

WRITING_METHODS = frozenset(
    {"save", "create", "update", "delete", "bulk_create", "bulk_update", "update_or_create",
     "get_or_create"}
)  # fmt: skip
WRITING_SQL = re.compile(
    r"\b(INSERT\s+INTO|UPDATE\s+\S+\s+SET|DELETE\s+FROM|TRUNCATE|MERGE\s+INTO)\b", re.IGNORECASE
)

ANYWHERE = "*"

# (module under src/matrica, function or "*" for the whole module) → why it may write.
ALLOWED: dict[tuple[str, str], str] = {
    # The compliance engine owns the derived tables (statuses, counts, trend, snapshot): they
    # are rebuilt from evidence, never edited, and only the engine writes them
    # (docs/style.md: "Derived figures are never stored by hand").
    ("compliance/services.py", ANYWHERE): "the compliance engine writes its derived tables",
    ("compliance/history.py", ANYWHERE): "the compliance engine writes its history of every "
    "date (spans and count changes, docs/decisions/005)",
    # The audit writer: the common tail every action calls inside its own transaction. Its
    # writes are the audit rows themselves and the saving or deleting of the record an action
    # has already checked and validated (`write`, `save_audited`, `delete_audited`).
    ("audit/services.py", "record"): "the audit writer appends one audit row",
    ("audit/services.py", "record_created"): "the audit writer appends the rows of a bulk "
    "creation as one INSERT … SELECT",
    ("audit/services.py", "record_many"): "the audit writer appends the rows of several "
    "records changed together in one INSERT",
    ("audit/services.py", "save_audited"): "the audit writer saves what an action validated, "
    "with its audit row",
    ("audit/services.py", "delete_audited"): "the audit writer deletes what an action "
    "checked, keeping the record on the trail",
    ("audit/services.py", "record_sign_in"): "a failed log-in under an unknown name is "
    "recorded as an audit row with no account to point at",
    # The record of expiry notices sent is the notify command's own memory, written by the
    # system (never by a user, no screen edits it) so that a lapse is announced once: like the
    # audit trail, it records an act, it holds nothing a user entered, and the act is the mail.
    ("compliance/notices.py", "send_notices"): "the notify command records which lapses it "
    "has announced, in the transaction that sends the mail",
    # Not the application's database: the backup copy's own note of when it was taken.
    ("backups.py", "backup"): "the backup file records when it was taken, in the copy",
    # Not model writes at all: the same method names on other objects.
    ("exports.py", "write_xlsx"): "openpyxl's Workbook.save writes the file to the response stream",
    ("compliance/management/commands/compliance.py", "_bar.advance"): "tqdm's progress bar update",
}


@dataclass(frozen=True)
class Write:
    path: str  # under src/matrica
    line: int
    scope: str  # qualified name of the enclosing function, "" at module level
    what: str

    def __str__(self) -> str:
        where = f" in {self.scope}" if self.scope else ""
        return f"src/matrica/{self.path}:{self.line}{where}: {self.what}: call an action instead"


def application_modules() -> Iterator[Path]:
    for path in sorted(SOURCE.rglob("*.py")):
        if not SKIPPED_DIRECTORIES & set(path.relative_to(SOURCE).parts[:-1]):
            yield path


def docstrings(tree: ast.AST) -> set[int]:
    """ids of the string constants that are docstrings: prose, not SQL."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                found.add(id(body[0].value))
    return found


def template(node: ast.JoinedStr) -> str:
    """An f-string as the text it produces, with {} for each interpolated value."""
    return "".join(
        str(part.value) if isinstance(part, ast.Constant) else "{}" for part in node.values
    )


def is_super_call_in_own_override(call: ast.Call, scope: list[ast.AST]) -> bool:
    """`super().save(...)` inside a model's own `save` (or `delete`): the model guarding its
    invariants on the way to the database, not a write of its own."""
    func = call.func
    return (
        isinstance(func, ast.Attribute)
        and isinstance(func.value, ast.Call)
        and isinstance(func.value.func, ast.Name)
        and func.value.func.id == "super"
        and bool(scope)
        and isinstance(scope[-1], ast.FunctionDef)
        and scope[-1].name == func.attr
    )


class WriteFinder(ast.NodeVisitor):
    def __init__(self, path: str, tree: ast.AST) -> None:
        self.path = path
        self.scope: list[ast.AST] = []
        self.docstrings = docstrings(tree)
        self.writes: list[Write] = []
        self.in_fstring = 0

    def qualname(self) -> str:
        return ".".join(node.name for node in self.scope)  # type: ignore[attr-defined]

    def found(self, node: ast.AST, what: str) -> None:
        self.writes.append(Write(self.path, node.lineno, self.qualname(), what))  # type: ignore[attr-defined]

    def visit_scope(self, node: ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        self.scope.append(node)
        self.generic_visit(node)
        self.scope.pop()

    visit_ClassDef = visit_FunctionDef = visit_AsyncFunctionDef = visit_scope

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        if (
            isinstance(func, ast.Attribute)
            and func.attr in WRITING_METHODS
            and not is_super_call_in_own_override(node, self.scope)
        ):
            self.found(node, f".{func.attr}(")
        self.generic_visit(node)

    def visit_JoinedStr(self, node: ast.JoinedStr) -> None:
        if match := WRITING_SQL.search(template(node)):
            self.found(node, f"SQL {match.group(0)!r}")
        self.in_fstring += 1
        self.generic_visit(node)
        self.in_fstring -= 1

    def visit_Constant(self, node: ast.Constant) -> None:
        if (
            not self.in_fstring
            and isinstance(node.value, str)
            and id(node) not in self.docstrings
            and (match := WRITING_SQL.search(node.value))
        ):
            self.found(node, f"SQL {match.group(0)!r}")


def writes_in(path: Path) -> list[Write]:
    relative = path.relative_to(SOURCE).as_posix()
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    finder = WriteFinder(relative, tree)
    finder.visit(tree)
    return finder.writes


def is_allowed(write: Write) -> bool:
    if Path(write.path).name == "actions.py":
        return True
    return (write.path, ANYWHERE) in ALLOWED or (write.path, write.scope) in ALLOWED


def test_only_actions_write():
    stray = [w for path in application_modules() for w in writes_in(path) if not is_allowed(w)]
    assert not stray, "writes outside an action:\n" + "\n".join(map(str, stray))


def test_every_allowed_place_still_writes():
    """An allowlist entry whose write has gone is an exception nobody needs any more."""
    places = {(w.path, w.scope) for path in application_modules() for w in writes_in(path)}
    modules = {path for path, _scope in places}
    stale = [
        entry
        for entry in ALLOWED
        if (entry[1] == ANYWHERE and entry[0] not in modules)
        or (entry[1] != ANYWHERE and entry not in places)
    ]
    assert not stale, f"remove these allowlist entries: {stale}"


# The guard itself: it must see what it is meant to see, and nothing in comments or prose.
GUARDED = '''
"""Docstring: DELETE FROM staff is prose here."""
from matrica.staff.models import StaffMember

def rename(member):
    # member.save() in a comment is nothing
    member.family_name = "x"
    member.save()
    StaffMember.objects.filter(pk=1).update(active=False)

def purge(cursor, table):
    cursor.execute(f"DELETE FROM {table} WHERE id = %s", [1])
    cursor.execute("UPDATE staff_staffmember SET active = 0")
    message = "Say why the role is withdrawn."

class Person:
    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
'''


def test_the_guard_finds_writes_and_ignores_prose(tmp_path, monkeypatch):
    module = tmp_path / "staff" / "views.py"
    module.parent.mkdir()
    module.write_text(GUARDED, encoding="utf-8")
    monkeypatch.setattr(f"{__name__}.SOURCE", tmp_path)
    found = [(w.line, w.scope, w.what) for w in writes_in(module)]
    assert found == [
        (8, "rename", ".save("),
        (9, "rename", ".update("),
        (12, "purge", "SQL 'DELETE FROM'"),
        (13, "purge", "SQL 'UPDATE staff_staffmember SET'"),
    ]
    assert str(writes_in(module)[0]) == (
        "src/matrica/staff/views.py:8 in rename: .save(: call an action instead"
    )
    assert not is_allowed(writes_in(module)[0])


# The admin: every registered admin is Matrica's, and writes only through actions. --------

ADMINS = sorted(admin.site._registry.items(), key=lambda item: item[0]._meta.label)


@pytest.mark.parametrize(
    "model_admin",
    [
        pytest.param(
            model_admin,
            id=model._meta.label,
        )
        for model, model_admin in ADMINS
    ],
)
def test_every_admin_is_read_only_or_writes_through_actions(model_admin):
    cls = type(model_admin)
    assert isinstance(model_admin, ScopedModelAdmin), f"{cls.__name__} is not a ScopedModelAdmin"
    if model_admin.write_verb is None:
        return  # read-only: ScopedModelAdmin grants no add, change or delete
    assert cls.save_model is not ScopedModelAdmin.save_model, f"{cls.__name__}.save_model"
    if model_admin.inlines:
        assert cls.save_formset is not ScopedModelAdmin.save_formset, f"{cls.__name__} inlines"
    if model_admin.allows_delete:
        assert cls.delete_model is not ScopedModelAdmin.delete_model, f"{cls.__name__} delete"


def test_a_read_only_admin_offers_no_write(rf, world):
    """`write_verb = None` really is read-only, for the widest user there is."""
    request = rf.get("/admin/")
    request.user = world.superuser
    for model_admin in admin.site._registry.values():
        if isinstance(model_admin, ScopedModelAdmin) and model_admin.write_verb is None:
            assert not model_admin.has_add_permission(request), type(model_admin).__name__
            assert not model_admin.has_change_permission(request), type(model_admin).__name__
            assert not model_admin.has_delete_permission(request), type(model_admin).__name__
