"""The episode list's filters."""

from django.contrib import admin
from django.db.models import Exists, OuterRef

from episodes.models import TranscriptLine

from . import problems


class HasTranscriptFilter(admin.SimpleListFilter):
    title = "transcript"
    parameter_name = "transcript"

    def lookups(self, request, model_admin):
        return [("yes", "has a transcript"), ("no", "no transcript")]

    def queryset(self, request, queryset):
        lines = Exists(TranscriptLine.objects.filter(episode=OuterRef("pk")))
        if self.value() == "yes":
            return queryset.filter(lines)
        if self.value() == "no":
            return queryset.exclude(lines)
        return queryset


class HasProblemsFilter(admin.SimpleListFilter):
    title = "transcript problems"
    parameter_name = "problems"

    def lookups(self, request, model_admin):
        return [("yes", "has problems"), ("no", "no problems")]

    def queryset(self, request, queryset):
        if self.value() not in ("yes", "no"):
            return queryset
        ids = [pk for pk, (_, problems) in problems.archive_problem_counts().items() if problems]
        return queryset.filter(pk__in=ids) if self.value() == "yes" else queryset.exclude(pk__in=ids)


class StatusFilter(admin.SimpleListFilter):
    title = "status"
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return [("published", "published"), ("draft", "draft")]

    def queryset(self, request, queryset):
        if self.value() in ("published", "draft"):
            return queryset.filter(is_published=self.value() == "published")
        return queryset
