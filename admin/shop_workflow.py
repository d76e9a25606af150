"""Admin actions that move shops through their workflow.

Each action asks for a reason on an intermediate page, then calls the matching service in
`marketplace.organisations.services` once per selected shop. The services decide who may
do what; their refusals come back as error messages naming the shop, never as a 500.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.template.response import TemplateResponse

from admin.scoping import acting_user
from marketplace.accounts.permissions import RoleScopes, role_scopes
from marketplace.core.errors import PermissionRefused
from marketplace.organisations import services
from marketplace.organisations.models import Shop


class ReasonForm(forms.Form):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4, "cols": 60}),
        max_length=2000,
        help_text="Recorded in the shop's status history with your name.",
    )

    def clean_reason(self) -> str:
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise ValidationError("A reason is required.")
        return reason


@dataclass(frozen=True)
class Transition:
    name: str
    label: str
    verb: str
    service: Callable[..., Shop]
    actor_keyword: str
    offered_to: Callable[[RoleScopes], bool]

    def run(self, *, shop: Shop, user: Any, reason: str) -> Shop:
        return self.service(shop=shop, reason=reason, **{self.actor_keyword: user})


def _platform(scopes: RoleScopes) -> bool:
    return scopes.is_platform_admin


def _reviewer(scopes: RoleScopes) -> bool:
    return scopes.is_platform_admin or bool(scopes.township_ids)


def _platform_or_manager(scopes: RoleScopes) -> bool:
    return scopes.is_platform_admin or bool(scopes.managed_shop_ids)


TRANSITIONS: tuple[Transition, ...] = (
    Transition(
        "recommend",
        "Recommend (township)",
        "recommended",
        services.shop_recommend,
        "officer",
        _reviewer,
    ),
    Transition("approve", "Approve", "approved", services.shop_approve, "admin", _platform),
    Transition(
        "reject", "Reject application", "rejected", services.shop_reject, "reviewer", _reviewer
    ),
    Transition("suspend", "Suspend", "suspended", services.shop_suspend, "actor", _reviewer),
    Transition("reinstate", "Reinstate", "reinstated", services.shop_reinstate, "admin", _platform),
    Transition("close", "Close", "closed", services.shop_close, "actor", _platform_or_manager),
)


def _refusal_text(error: ValidationError | PermissionRefused) -> str:
    if isinstance(error, PermissionRefused):
        return error.message
    return " ".join(error.messages)


def apply_transition(
    *, request: HttpRequest, transition: Transition, shops: QuerySet[Shop], reason: str
) -> int:
    """Run one transition on each shop; report each refusal. Returns how many succeeded."""
    done = 0
    # The services read the shop's township to check the caller's scope.
    for shop in shops.select_related("village__township").order_by("pk"):
        try:
            transition.run(shop=shop, user=acting_user(request), reason=reason)
        except (ValidationError, PermissionRefused) as error:
            messages.error(request, f"{shop}: {_refusal_text(error)}")
        else:
            done += 1
    if done:
        messages.success(request, f"{done} shop(s) {transition.verb}.")
    return done


def make_action(transition: Transition) -> Callable[..., TemplateResponse | None]:
    def action(
        modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[Shop]
    ) -> TemplateResponse | None:
        form = ReasonForm(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            apply_transition(
                request=request,
                transition=transition,
                shops=queryset,
                reason=form.cleaned_data["reason"],
            )
            return None  # back to the change list, where the messages show
        context = {
            **modeladmin.admin_site.each_context(request),
            "title": f"{transition.label}: give a reason",
            "opts": modeladmin.opts,
            "transition": transition,
            "action_name": action.__name__,
            "shops": list(queryset.select_related("village")),
            "form": form,
            "action_checkbox_name": ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "backoffice/shop_transition.html", context)

    action.__name__ = f"shop_{transition.name}"
    return admin.action(description=transition.label)(action)


ACTIONS = {f"shop_{t.name}": (t, make_action(t)) for t in TRANSITIONS}


def actions_offered(user: Any) -> set[str]:
    """The workflow actions worth showing this user; the services still have the last word."""
    scopes = role_scopes(user)
    return {name for name, (t, _) in ACTIONS.items() if t.offered_to(scopes)}
