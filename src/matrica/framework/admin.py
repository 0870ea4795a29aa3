"""The matrix in the admin. The common matrix (levels, categories, areas, versions and their
requirements, modules) is published from a framework file with `matrica load-framework` and never
rewritten, so it is read-only here; an administration's national adaptation and its deviations
are edited through their actions."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from matrica.framework import actions
from matrica.framework.models import (
    CompetencyArea,
    Conferral,
    Deviation,
    FrameworkVersion,
    Level,
    Module,
    NationalAdaptation,
    Requirement,
    StaffCategory,
)
from matrica.http import request_user
from matrica.tenancy.admin_scoping import ScopedInline, ScopedModelAdmin, changed_values
from matrica.tenancy.permissions import Verb

ADMIN_WITHDRAWAL = "Withdrawn in the admin site"


@admin.register(Level)
class LevelAdmin(ScopedModelAdmin):
    list_display = ["code", "title", "rank", "default_deadline_months"]


@admin.register(StaffCategory)
class StaffCategoryAdmin(ScopedModelAdmin):
    list_display = ["code", "title", "is_role", "applies_to_all", "order"]


@admin.register(CompetencyArea)
class CompetencyAreaAdmin(ScopedModelAdmin):
    list_display = ["code", "title", "order"]


class RequirementInline(ScopedInline):
    model = Requirement


@admin.register(FrameworkVersion)
class FrameworkVersionAdmin(ScopedModelAdmin):
    list_display = ["code", "title", "effective_from", "published"]
    inlines = [RequirementInline]


@admin.register(Requirement)
class RequirementAdmin(ScopedModelAdmin):
    list_display = ["version", "area", "category", "level", "refresher_months", "deadline_months"]
    list_filter = ["version", "category", "area"]


class ConferralInline(ScopedInline):
    model = Conferral


@admin.register(Module)
class ModuleAdmin(ScopedModelAdmin):
    list_display = ["code", "title", "hours", "validity_months", "joint_delivery"]
    inlines = [ConferralInline]


class DeviationInline(ScopedInline):
    model = Deviation
    fields = ["area", "category", "level", "refresher_months", "deadline_months", "reason"]


class AdaptationOwned(ScopedModelAdmin):
    write_verb = Verb.ADAPT_FRAMEWORK
    allows_delete = True


@admin.register(NationalAdaptation)
class NationalAdaptationAdmin(AdaptationOwned):
    list_display = ["beneficiary", "title", "version", "effective_from"]
    fields = ["beneficiary", "version", "effective_from", "title"]
    inlines = [DeviationInline]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return ["beneficiary", "version"] if obj is not None else []

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        actor = request_user(request)
        if change:
            actions.update_adaptation(
                actor=actor, adaptation=obj, **changed_values(form, actions.ADAPTATION_FIELDS)
            )
            return
        created = actions.create_adaptation(
            actor=actor, beneficiary=obj.beneficiary, version=obj.version,
            effective_from=obj.effective_from, title=obj.title,
        )  # fmt: skip
        obj.pk = created.pk

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        actions.withdraw_adaptation(
            actor=request_user(request), adaptation=obj, reason=ADMIN_WITHDRAWAL
        )

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        actor = request_user(request)
        for row in formset.forms:
            deviation = row.instance
            if row in formset.deleted_forms:
                if deviation.pk:
                    actions.withdraw_deviation(
                        actor=actor, deviation=deviation, reason=ADMIN_WITHDRAWAL
                    )
            elif deviation.pk and row.has_changed():
                actions.change_deviation(
                    actor=actor, deviation=deviation,
                    **changed_values(row, actions.DEVIATION_FIELDS),
                )  # fmt: skip
            elif not deviation.pk and row.has_changed():
                add_deviation_from(actor, form.instance, row.cleaned_data)


def add_deviation_from(
    actor: Any, adaptation: NationalAdaptation, data: dict[str, Any]
) -> Deviation:
    return actions.add_deviation(
        actor=actor, adaptation=adaptation, area=data["area"], category=data["category"],
        level=data["level"], refresher_months=data["refresher_months"],
        deadline_months=data["deadline_months"], reason=data["reason"],
    )  # fmt: skip


@admin.register(Deviation)
class DeviationAdmin(AdaptationOwned):
    list_display = ["adaptation", "area", "category", "level", "refresher_months", "reason"]
    fields = ["adaptation", "area", "category", "level", "refresher_months", "deadline_months",
              "reason"]  # fmt: skip

    def owner_id(self, obj: Any) -> int | None:
        return obj.adaptation.beneficiary_id

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return ["adaptation", "area", "category"] if obj is not None else []

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        actor = request_user(request)
        if change:
            actions.change_deviation(
                actor=actor, deviation=obj, **changed_values(form, actions.DEVIATION_FIELDS)
            )
            return
        obj.pk = add_deviation_from(actor, obj.adaptation, form.cleaned_data).pk

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        actions.withdraw_deviation(
            actor=request_user(request), deviation=obj, reason=ADMIN_WITHDRAWAL
        )
