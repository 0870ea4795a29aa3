"""What can be imported, and by which action: the staff roster, past evidence and the
curriculum inventory. The command, the upload page and the tests all go through this table."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise

from matrica.curricula import imports as curriculum_imports
from matrica.imports.models import ImportRun
from matrica.staff import actions as staff_actions
from matrica.staff import imports as staff_imports
from matrica.tabular import Column
from matrica.tenancy.permissions import Verb
from matrica.training import actions as training_actions
from matrica.training import imports as evidence_imports


@dataclass(frozen=True)
class Kind:
    code: str
    label: str | Promise
    columns: Sequence[Column]
    run: Callable[..., Any]
    verb: Verb
    has_full_mode: bool = False


KINDS = {
    "staff": Kind(
        "staff", ImportRun.Kind.STAFF.label, staff_imports.COLUMNS, staff_actions.import_staff,
        Verb.MANAGE_STAFF, has_full_mode=True,
    ),
    "completions": Kind(
        "completions", ImportRun.Kind.COMPLETIONS.label, evidence_imports.COLUMNS,
        training_actions.import_completions, Verb.RECORD_EVIDENCE,
    ),
    "curriculum": Kind(
        "curriculum", ImportRun.Kind.CURRICULUM.label, curriculum_imports.COLUMNS,
        curriculum_imports.import_courses, Verb.MANAGE_CURRICULUM,
    ),
}  # fmt: skip
