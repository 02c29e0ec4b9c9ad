"""Reading the form fields of a page: which ones a shopper fills in, and how they are set up.

:func:`read_fields` finds the visible ``input``, ``select`` and ``textarea``
elements that belong to the checkout (not a search box, a coupon, a
quantity, a newsletter, a sign-in form or the site's header and footer) and
reads, for each, its label, whether it is required or marked optional, its
autocomplete token, type and input mode, what it asks for, and whether an
error message sits beside it.
"""

from __future__ import annotations

import re

from lxml import etree

from opsctl.checkout import patterns as p
from opsctl.checkout.dom import Document
from opsctl.checkout.facts import FormField
from opsctl.checkout.fields import field_purpose

#: Input types that are not fields a shopper fills in.
NOT_FIELDS = frozenset({"hidden", "submit", "button", "reset", "image", "search"})
_CHROME = ("footer", "header", "nav")
_REQUIRED_MARK = re.compile(r"\s*\*\s*$")


def read_fields(doc: Document, step: str) -> list[FormField]:
    """The fields a shopper fills in on this page, each with its evidence (see the module)."""
    found: list[FormField] = []
    radio_groups: set[str] = set()
    controls = (
        c
        for c in doc.elements
        if c.tag in ("input", "select", "textarea")
        and (not doc.is_hidden(c) or doc.shown_as_widget(c))
    )
    for control in controls:
        input_type = type_of(control)
        if input_type in NOT_FIELDS or _outside_checkout(doc, control, input_type):
            continue
        if input_type == "radio":
            group = control.get("name") or control.get("id") or ""
            if group in radio_groups:
                continue
            radio_groups.add(group)
        found.append(_form_field(doc, control, input_type, step))
    return found


def _outside_checkout(doc: Document, control: etree._Element, input_type: str) -> bool:
    """Search boxes, coupon and quantity inputs, newsletter, login and site-chrome forms."""
    hints = " ".join(
        filter(
            None,
            (
                control.get("name"),
                control.get("id"),
                control.get("placeholder"),
                control.get("class"),
                control.get("aria-label"),
            ),
        )
    )
    if control.get("name") in ("q", "s", "search", "query") or p.SEARCH.search(hints):
        return True
    if p.COUPON.search(hints) or p.QUANTITY.search(hints):
        return True
    if next(control.iterancestors(*_CHROME), None) is not None:
        return True
    form = next(control.iterancestors("form"), None)
    if form is None:
        return False
    marks = " ".join(filter(None, (form.get("class"), form.get("id"), form.get("action"))))
    if form.get("role") == "search" or p.SEARCH.search(marks) or p.COUPON.search(marks):
        return True
    if p.NEWSLETTER.search(marks):
        return True
    if not p.LOGIN_FORM.search(marks) or input_type == "radio":
        return False
    # A sign-in form: it asks for a password now (Magento's guest e-mail form hides its own).
    return any(type_of(i) == "password" and not doc.is_hidden(i) for i in form.iter("input"))


def _form_field(doc: Document, control: etree._Element, input_type: str, step: str) -> FormField:
    raw_label = doc.label_of(control)
    label = _REQUIRED_MARK.sub("", raw_label)
    if input_type == "radio":
        label = group_label(doc, control) or control.get("name") or label
    name = control.get("name") or control.get("id") or label or input_type
    autocomplete = control.get("autocomplete")
    if autocomplete is None:
        form = next(control.iterancestors("form"), None)
        if form is not None and (form.get("autocomplete") or "").lower() == "off":
            autocomplete = "off"
    wrapper_text = _wrapper_text(doc, control)
    required = (
        control.get("required") is not None
        or control.get("aria-required", "").lower() == "true"
        or "*" in raw_label
        or "required" in (control.get("class") or "").split()
        or _wrapped_by_required(control)
    )
    marked_optional = bool(p.OPTIONAL.search(f"{label} {control.get('placeholder') or ''}"))
    if not marked_optional:
        # "(optional)" beside the field, or in the legend of its group ("Account (optional)").
        marked_optional = bool(p.OPTIONAL.search(f"{wrapper_text} {group_label(doc, control)}"))
    return FormField(
        name=name,
        label=label,
        type=input_type,
        required=required,
        step=step,
        evidence=doc.evidence(control, label or name),
        autocomplete=autocomplete,
        inputmode=control.get("inputmode"),
        pattern=control.get("pattern"),
        purpose=field_purpose(
            autocomplete=autocomplete,
            hints=" ".join(filter(None, (control.get("name"), control.get("id"), label))),
            input_type=input_type,
        ),
        marked_optional=marked_optional,
        inline_error=_has_inline_error(doc, control),
    )


def group_label(doc: Document, control: etree._Element) -> str:
    """The legend of the fieldset around a control, if any."""
    fieldset = next(control.iterancestors("fieldset"), None)
    if fieldset is not None:
        legend = fieldset.find("legend")
        if legend is not None:
            return doc.text(legend)
    return ""


def _wrapper_text(doc: Document, control: etree._Element) -> str:
    """The text around a control, up to the largest wrapper that holds no other control."""
    text = ""
    wrapper = control.getparent()
    for _ in range(3):
        if wrapper is None or wrapper.tag in ("form", "body", "fieldset"):
            break
        if holds_other_controls(wrapper, control):
            break
        candidate = doc.raw_text(wrapper)
        if len(candidate) >= 200:
            break
        text = candidate
        wrapper = wrapper.getparent()
    return text


def _has_inline_error(doc: Document, control: etree._Element) -> bool:
    if any(control.get(a) is not None for a in p.VALIDATION_ATTRIBUTES):
        return True
    if any(attribute.startswith("data-parsley-") for attribute in control.attrib):
        return True
    for attribute in ("aria-describedby", "aria-errormessage"):
        for target_id in (control.get(attribute) or "").split():
            target = doc.by_id(target_id)
            if target is not None and (
                p.ERROR_MARKUP.search(f"{target_id} {target.get('class') or ''}")
                or target.get("role") == "alert"
            ):
                return True
    wrapper = control.getparent()
    for _ in range(2):
        if (
            wrapper is None
            or wrapper.tag in ("form", "body")
            or holds_other_controls(wrapper, control)
        ):
            break
        for element in wrapper.iter():
            if element is control or not isinstance(element.tag, str):
                continue
            marks = f"{element.get('class') or ''} {element.get('id') or ''}"
            if element.get("role") == "alert" or (
                element.tag not in ("input", "select", "textarea") and p.ERROR_MARKUP.search(marks)
            ):
                return True
        wrapper = wrapper.getparent()
    return False


def type_of(control: etree._Element) -> str:
    """A control's type: the input type, or ``select`` / ``textarea``."""
    if control.tag in ("select", "textarea"):
        return control.tag
    return (control.get("type") or "text").lower()


def holds_other_controls(wrapper: etree._Element, control: etree._Element) -> bool:
    return any(other is not control for other in wrapper.iter("input", "select", "textarea"))


def _wrapped_by_required(control: etree._Element) -> bool:
    for depth, ancestor in enumerate(control.iterancestors()):
        if depth > 2 or ancestor.tag == "form":
            return False
        classes = (ancestor.get("class") or "").split()
        if "validate-required" in classes or "required" in classes or "_required" in classes:
            return True
    return False
