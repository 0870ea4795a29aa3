from django.contrib import admin

from matrica.accounts.admin_scoping import ScopedModelAdmin
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


@admin.register(Level)
class LevelAdmin(ScopedModelAdmin):
    list_display = ["code", "title", "rank", "default_deadline_months"]


@admin.register(StaffCategory)
class StaffCategoryAdmin(ScopedModelAdmin):
    list_display = ["code", "title", "is_role", "applies_to_all", "order"]


@admin.register(CompetencyArea)
class CompetencyAreaAdmin(ScopedModelAdmin):
    list_display = ["code", "title", "order"]


class RequirementInline(admin.TabularInline):
    model = Requirement
    extra = 0


@admin.register(FrameworkVersion)
class FrameworkVersionAdmin(ScopedModelAdmin):
    list_display = ["code", "title", "effective_from"]
    inlines = [RequirementInline]


@admin.register(Requirement)
class RequirementAdmin(ScopedModelAdmin):
    list_display = ["version", "area", "category", "level", "refresher_months", "deadline_months"]
    list_filter = ["version", "category", "area"]


class DeviationInline(admin.TabularInline):
    model = Deviation
    extra = 0


@admin.register(NationalAdaptation)
class NationalAdaptationAdmin(ScopedModelAdmin):
    list_display = ["beneficiary", "title", "version", "effective_from"]
    inlines = [DeviationInline]


@admin.register(Deviation)
class DeviationAdmin(ScopedModelAdmin):
    list_display = ["adaptation", "area", "category", "level", "refresher_months", "reason"]


class ConferralInline(admin.TabularInline):
    model = Conferral
    extra = 0


@admin.register(Module)
class ModuleAdmin(ScopedModelAdmin):
    list_display = ["code", "title", "hours", "validity_months", "joint_delivery"]
    inlines = [ConferralInline]
