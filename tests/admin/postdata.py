"""Turn a rendered admin change form into the POST data that would resubmit it unchanged."""

from __future__ import annotations

from typing import Any

from django import forms


def _add_form(data: dict[str, Any], form: forms.BaseForm) -> None:
    for name, field in form.fields.items():
        if isinstance(field, forms.FileField):
            continue  # files come in request.FILES; leaving them out keeps the stored one
        value = form[name].value()
        key = form.add_prefix(name)
        widget = field.widget
        if value is None or value is False:
            continue
        if isinstance(widget, forms.MultiWidget) and not isinstance(value, list):
            for suffix, part in zip(widget.widgets_names, widget.decompress(value), strict=True):
                data[key + suffix] = "" if part is None else str(part)
        elif isinstance(value, list | tuple):
            data[key] = [str(item) for item in value]
        elif value is True:
            data[key] = "on"
        else:
            data[key] = str(value)


def changeform_data(response: Any) -> dict[str, Any]:
    data: dict[str, Any] = {}
    _add_form(data, response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        management = formset.management_form
        for name in management.fields:
            data[management.add_prefix(name)] = management[name].value()
        for form in formset.forms:
            _add_form(data, form)
    return data
