"""The import page's steps: upload a file, say how its columns are read, import it. The
registry itself is written only by the import actions of the staff and training apps (through
`kinds.KINDS`); these actions keep the uploaded file between the steps, check it with a dry run
of the same action, and audit each step."""

from __future__ import annotations

import datetime
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from matrica.audit.models import AuditEvent
from matrica.audit.services import record, snapshot
from matrica.imports.kinds import KINDS, Kind
from matrica.imports.models import ImportRun
from matrica.tabular import RowsRefused, Sheet, layout, read_sheet
from matrica.tenancy.models import Beneficiary
from matrica.tenancy.permissions import require

if TYPE_CHECKING:
    from matrica.tenancy.scoping import Actor

# How long the file of an upload that was never imported is kept for its import.
KEEP_UNIMPORTED = datetime.timedelta(days=7)


def _kind(run: ImportRun) -> Kind:
    return KINDS[run.kind]


def _sheet(run: ImportRun) -> Sheet:
    return read_sheet(bytes(run.content), run.file_name, _kind(run).columns, encoding=run.encoding)


def _run_action(run: ImportRun, actor: Actor, sheet: Sheet, *, dry_run: bool, **extra: Any) -> Any:
    kind = _kind(run)
    if kind.has_full_mode:
        extra["full"] = run.full
    return kind.run(
        actor=actor, beneficiary=run.beneficiary, sheet=sheet, mapping=run.mapping,
        dry_run=dry_run, source=run.file_name, **extra,
    )  # fmt: skip


def _check(run: ImportRun, actor: Actor, sheet: Sheet) -> None:
    """A dry run of the import: what it would change, or every problem in the file."""
    run.headers = [header for header in sheet.headers if header]
    run.counts, run.problems = {}, []
    if layout(sheet, _kind(run).columns, run.mapping).missing:
        run.status = ImportRun.Status.NEEDS_COLUMNS
        return
    try:
        outcome = _run_action(run, actor, sheet, dry_run=True)
    except RowsRefused as refusal:
        run.status = ImportRun.Status.REFUSED
        run.problems = [problem.__dict__ for problem in refusal.problems]
        return
    run.counts = outcome.counts()
    run.status = ImportRun.Status.READY if outcome.changes_anything else ImportRun.Status.UNCHANGED


@transaction.atomic
def upload_file(
    *,
    actor: Actor,
    kind: str,
    beneficiary: Beneficiary,
    file_name: str,
    content: bytes,
    encoding: str = "",
    full: bool = False,
) -> ImportRun:
    """Keep an uploaded file and check it. A file that cannot be read at all raises
    `tabular.Refused` and nothing is kept."""
    spec = KINDS[kind]
    require(actor, spec.verb, beneficiary_id=beneficiary.pk)
    sheet = read_sheet(content, file_name, spec.columns, encoding=encoding)
    run = ImportRun(
        kind=kind, beneficiary=beneficiary, uploaded_by=actor if actor.pk else None,
        file_name=file_name[:200], content=content, encoding=encoding, read_as=sheet.encoding,
        full=full and spec.has_full_mode,
    )  # fmt: skip
    _check(run, actor, sheet)
    run.save()
    record(actor=actor, action=AuditEvent.Action.CREATE, obj=run, after=snapshot(run),
           message="File uploaded for import")  # fmt: skip
    # Files never imported are not kept for long: they name people.
    ImportRun.objects.filter(
        beneficiary=beneficiary, uploaded_at__lt=timezone.now() - KEEP_UNIMPORTED
    ).exclude(status=ImportRun.Status.IMPORTED).update(content=b"")
    return run


@transaction.atomic
def match_columns(*, actor: Actor, run: ImportRun, mapping: Mapping[str, str]) -> ImportRun:
    """Read the file's columns as `mapping` says (file header → column key, "" to leave one
    out), then check it again."""
    spec = _kind(run)
    require(actor, spec.verb, beneficiary_id=run.beneficiary_id)
    _still_open(run)
    keys = {column.key for column in spec.columns}
    unknown = sorted(set(mapping.values()) - keys - {""})
    if unknown:
        raise ValidationError(_("Unknown columns: %(keys)s.") % {"keys": ", ".join(unknown)})
    before = snapshot(run)
    run.mapping = dict(mapping)
    _check(run, actor, _sheet(run))
    run.save()
    record(actor=actor, action=AuditEvent.Action.UPDATE, obj=run, before=before,
           after=snapshot(run), message="Columns matched")  # fmt: skip
    return run


def apply_import(
    *, actor: Actor, run: ImportRun, progress: Callable[[int, int], None] | None = None
) -> ImportRun:
    """Import the checked file through its kind's action: every row, or none. Should the
    registry have changed since the check so that rows no longer fit, the run shows the new
    problems and nothing is written."""
    spec = _kind(run)
    require(actor, spec.verb, beneficiary_id=run.beneficiary_id)
    _still_open(run)
    if run.status != ImportRun.Status.READY:
        raise ValidationError(_("This file has nothing to import until its problems are fixed."))
    sheet = _sheet(run)
    before = snapshot(run)
    try:
        with transaction.atomic():
            outcome = _run_action(run, actor, sheet, dry_run=False, progress=progress)
            run.status, run.counts = ImportRun.Status.IMPORTED, outcome.counts()
            run.content, run.imported_at = b"", timezone.now()
            run.save()
            record(actor=actor, action=AuditEvent.Action.UPDATE, obj=run, before=before,
                   after=snapshot(run), message="Imported")  # fmt: skip
    except RowsRefused as refusal:
        with transaction.atomic():
            run.status = ImportRun.Status.REFUSED
            run.problems = [problem.__dict__ for problem in refusal.problems]
            run.save()
    return run


def _still_open(run: ImportRun) -> None:
    if run.status == ImportRun.Status.IMPORTED:
        raise ValidationError(
            _("This file has been imported already. Upload it again to re-run it.")
        )
    if not run.content:
        raise ValidationError(_("The file is no longer kept. Upload it again."))
