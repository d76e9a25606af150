"""The audit log and data requests in the back office.

Officers search the log (actor, household reference, action, date range, request): a
township officer sees entries about their township's households and objects, a county
officer their county's, platform admins all (`marketplace.audit.selectors`). Nobody edits
or deletes an entry; the database refuses it anyway.

Data requests are filed here by staff (shop managers, township and county officers) with
their letter uploaded (PDF, JPEG or PNG, checked by its bytes) and served back only to
those who may see the request. "Filed by me" lists one's own with their status. They are
submitted, and approved, refused or revoked with a reason, by admin actions that call the
services, which decide who may do what; a refusal shows the code the API answers.
"""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import RelatedOnlyFieldListFilter
from django.core.exceptions import ValidationError
from django.db.models import Model, QuerySet
from django.db.models.functions import Upper
from django.http import HttpRequest
from django.utils.html import format_html

from admin.scoping import ReadOnlyMixin, ScopedModelAdmin, acting_user, adopt
from admin.supervision import reason_action, refusal_text
from marketplace.accounts.permissions import (
    can_file_data_request,
    can_search_audit_log,
    role_scopes,
)
from marketplace.audit import services
from marketplace.audit.error_codes import DataRequestErrorCode
from marketplace.audit.letters import MAX_LETTER_BYTES
from marketplace.audit.models import AuditEntry, DataAccessRequest
from marketplace.audit.selectors import audit_entries_visible_to, data_requests_visible_to
from marketplace.core.errors import PermissionRefused
from marketplace.organisations.models import Household


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyMixin, ScopedModelAdmin):
    list_display = (
        "sequence",
        "created_at",
        "actor_email",
        "action",
        "target_type",
        "target_id",
        "households",
        "basis",
        "request",
        "where",
    )
    list_filter = (
        "action",
        "basis",
        ("actor", RelatedOnlyFieldListFilter),
        ("request", RelatedOnlyFieldListFilter),
        "created_at",
    )
    date_hierarchy = "created_at"
    search_fields = ("actor_email", "target_id")
    search_help_text = "An actor's e-mail, a target id, or a household reference."
    list_select_related = ("request",)
    show_full_result_count = False

    def has_module_permission(self, request: HttpRequest) -> bool:
        return request.user.is_staff and can_search_audit_log(user=acting_user(request))

    def has_view_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        if not self.has_module_permission(request):
            return False
        return obj is None or self.get_queryset(request).filter(pk=obj.pk).exists()

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return audit_entries_visible_to(user=acting_user(request)).select_related("request")

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Any], search_term: str
    ) -> tuple[QuerySet[Any], bool]:
        found, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        term = search_term.strip()
        if term:
            household_ids = list(
                Household.objects.filter(reference__iexact=term).values_list("pk", flat=True)
            )
            if household_ids:
                found |= queryset.filter(household_ids__overlap=household_ids)
        return found, may_have_duplicates

    @admin.display(description="Households")
    def households(self, obj: AuditEntry) -> str:
        return ", ".join(str(pk) for pk in obj.household_ids)


# Letters list references with Latin or Chinese punctuation between them.
REFERENCE_SEPARATORS = re.compile(r"[\s,，、;；]+")


class DataAccessRequestForm(forms.ModelForm):
    # The household picker offers only the households the requester may already see
    # (masked); a letter from outside names others by their public reference.
    household_references = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 40}),
        help_text="Or the households' references as the letter lists them (e.g. HT00000066), "
        "separated by spaces, commas or new lines.",
    )
    letter_upload = forms.FileField(
        required=False,
        help_text=f"The letter (公函): PDF, JPEG or PNG, at most {MAX_LETTER_BYTES // 2**20} MiB.",
    )

    class Meta:
        model = DataAccessRequest
        fields = (
            "requesting_unit",
            "purpose",
            "households",
            "village",
            "township",
            "period_from",
            "period_to",
            "expires_at",
        )

    def clean_household_references(self) -> list[Household]:
        text = self.cleaned_data.get("household_references", "")
        wanted = {reference.upper() for reference in REFERENCE_SEPARATORS.split(text) if reference}
        if not wanted:
            return []
        found: list[Household] = list(
            Household.objects.annotate(upper_reference=Upper("reference")).filter(
                upper_reference__in=wanted
            )
        )
        unknown = sorted(wanted - {household.reference.upper() for household in found})
        if unknown:
            code = DataRequestErrorCode.NOT_FOUND.name
            raise ValidationError(f"{code}: no household has the reference {', '.join(unknown)}.")
        return found

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        named = data.get("household_references") or []
        if named:
            picked = [*(data.get("households") or ()), *named]
            data["households"] = list({household.pk: household for household in picked}.values())
        return data

    def clean_letter_upload(self) -> bytes | None:
        upload = self.cleaned_data.get("letter_upload")
        if upload is None:
            return None
        if upload.size > MAX_LETTER_BYTES:
            raise ValidationError(f"The letter is larger than {MAX_LETTER_BYTES // 2**20} MiB.")
        return upload.read()


class FiledByFilter(admin.SimpleListFilter):
    """ "My requests": what the viewer filed, beside what reaches their townships."""

    title = "filed by"
    parameter_name = "filed_by"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("me", "Me"), ("others", "Others")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.value() == "me":
            return queryset.filter(requester=request.user)
        if self.value() == "others":
            return queryset.exclude(requester=request.user)
        return queryset


def _decision(*, approve: bool) -> Any:
    def run(request: HttpRequest, data_request: DataAccessRequest, reason: str) -> Any:
        return services.data_request_decide(
            data_request=data_request, officer=acting_user(request), approve=approve, reason=reason
        )

    return run


def _revocation(request: HttpRequest, data_request: DataAccessRequest, reason: str) -> Any:
    return services.data_request_revoke(
        data_request=data_request, actor=acting_user(request), reason=reason
    )


@admin.register(DataAccessRequest)
class DataAccessRequestAdmin(ScopedModelAdmin):
    form = DataAccessRequestForm
    list_display = (
        "pk",
        "requesting_unit",
        "requester",
        "status",
        "village",
        "township",
        "period_from",
        "period_to",
        "expires_at",
        "decided_by",
        "decision_reason",
        "letter_link",
    )
    list_filter = (FiledByFilter, "status")
    search_fields = ("requesting_unit", "requester__email", "purpose")
    list_select_related = ("requester", "village", "township", "decided_by")
    readonly_fields = (
        "status",
        "requester",
        "letter_link",
        "letter_content_type",
        "submitted_at",
        "decided_by",
        "decided_at",
        "decision_reason",
        "revoked_by",
        "revoked_at",
        "created_at",
    )
    autocomplete_fields = ("households", "village", "township")
    # Deciding and revoking ask for the reason, which the services record on the request
    # and in the audit log; a refusal names its code as the API does (OWN_REQUEST, ...).
    actions = (
        "submit",
        reason_action(name="approve", label="Approve request", run=_decision(approve=True)),
        reason_action(name="refuse", label="Refuse request", run=_decision(approve=False)),
        reason_action(name="revoke", label="Revoke grant", run=_revocation),
    )

    # A station operator's back office is their station's, so they file through the API.
    def has_module_permission(self, request: HttpRequest) -> bool:
        if not request.user.is_staff:
            return False
        scopes = role_scopes(acting_user(request))
        return bool(
            scopes.is_platform_admin
            or scopes.is_bureau_officer
            or scopes.managed_shop_ids
            or scopes.operated_shop_ids
        )

    def has_view_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        if not self.has_module_permission(request):
            return False
        return obj is None or self.get_queryset(request).filter(pk=obj.pk).exists()

    # Officers file too: a township officer sees their own households masked like anyone
    # else and asks, and another officer of the township decides.
    def has_add_permission(self, request: HttpRequest) -> bool:
        return self.has_module_permission(request) and can_file_data_request(
            user=acting_user(request)
        )

    # A request changes only through its actions: what was asked for stays as asked.
    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return data_requests_visible_to(user=acting_user(request)).select_related(
            "requester", "village", "township", "decided_by"
        )

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        data = form.cleaned_data
        created = services.data_request_create(
            requester=acting_user(request),
            requesting_unit=data["requesting_unit"],
            purpose=data["purpose"],
            households=data.get("households") or (),
            village=data.get("village"),
            township=data.get("township"),
            period_from=data["period_from"],
            period_to=data["period_to"],
            expires_at=data["expires_at"],
            letter=data.get("letter_upload"),
        )
        adopt(obj, created)

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        pass  # the service set the households

    def _form_errors(self, form: Any, exc: ValidationError) -> None:
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> Any:
        form_class = super().get_form(request, obj, change=change, **kwargs)
        modeladmin = self

        class ServiceCheckedForm(form_class):  # type: ignore[misc,valid-type]
            """Runs the service's checks at validation, so refusals show on the form.

            In `clean`, before the model's own constraints are validated: a field the
            service refused is then left out of them, and the page says what is wrong in
            the service's words rather than naming a violated constraint."""

            def clean(self) -> dict[str, Any]:
                data = super().clean()
                needed = ("period_from", "period_to", "expires_at")
                if self.instance.pk is not None or any(data.get(k) is None for k in needed):
                    return data
                try:
                    services.check_data_request(
                        households=list(data.get("households") or ()),
                        village=data.get("village"),
                        township=data.get("township"),
                        period_from=data["period_from"],
                        period_to=data["period_to"],
                        expires_at=data["expires_at"],
                        letter=data.get("letter_upload"),
                    )
                except ValidationError as exc:
                    modeladmin._form_errors(self, exc)
                return data

        return ServiceCheckedForm

    @admin.display(description="Letter")
    def letter_link(self, obj: DataAccessRequest) -> str:
        if not obj.letter:
            return "—"
        return format_html(
            '<a href="{}">{}</a>',
            # The one checked, audited download of private files (admin.private_files).
            obj.letter.url,
            obj.letter_content_type or "letter",
        )

    @admin.action(description="Submit the selected drafts")
    def submit(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        user = acting_user(request)
        for data_request in queryset.order_by("pk"):
            try:
                services.data_request_submit(data_request=data_request, actor=user)
            except (PermissionRefused, ValidationError) as exc:
                self.message_user(request, f"{data_request}: {refusal_text(exc)}", messages.ERROR)
            else:
                self.message_user(request, f"{data_request}: submitted.", messages.SUCCESS)
