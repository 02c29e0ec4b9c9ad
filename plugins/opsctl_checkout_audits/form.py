"""Form audits: few fields and steps, optional fields marked, the right keyboards and autofill."""

from __future__ import annotations

from opsctl.checkout.audit import Audit, AuditContext, NotApplicable, Outcome
from opsctl.checkout.fields import autofill_token, expected_keyboard, has_fitting_keyboard
from opsctl.checkout.scoring import LogNormalCurve
from opsctl_checkout_audits.evidence import evidence_of, field_evidence, names, share

BAYMARD_LENGTH = (
    "22% of shoppers abandon a checkout that is too long or complicated (Baymard Institute, 2024)."
)
FIELDS_CURVE = LogNormalCurve(p10=8, median=11.3)
STEPS_CURVE = LogNormalCurve(p10=3, median=5.1)


def _entry_fields(context: AuditContext):
    fact = context.facts.fields
    if fact is None:
        return None
    return [f for f in fact.value if f.is_entry]


def form_fields(context: AuditContext) -> Outcome | NotApplicable:
    fields = _entry_fields(context)
    if not fields:
        return NotApplicable("needs the checkout's pages or the spec's fields")
    count = len(fields)
    ticks = [f for f in context.facts.fields.value if not f.is_entry]
    details = [f"fields: {names(fields)}"]
    if ticks:
        details.append(f"also {len(ticks)} checkboxes or radio groups: {names(ticks)}")
    return Outcome(
        FIELDS_CURVE.score(count),
        f"{count} form fields",
        field_evidence(fields, limit=len(fields)),
        numeric_value=count,
        numeric_unit="fields",
        details=tuple(details),
    )


def checkout_steps(context: AuditContext) -> Outcome | NotApplicable:
    fact = context.facts.steps
    steps = [s for s in fact.value if s.kind == "checkout"] if fact else []
    if not steps:
        return NotApplicable("needs the checkout's pages or the spec's steps")
    return Outcome(
        STEPS_CURVE.score(len(steps)),
        f"{len(steps)} checkout step{'s' if len(steps) != 1 else ''}",
        evidence_of(fact),
        numeric_value=len(steps),
        numeric_unit="steps",
        details=(f"steps: {', '.join(s.name for s in steps)}",),
    )


def optional_fields_marked(context: AuditContext) -> Outcome | NotApplicable:
    fields = _entry_fields(context)
    if not fields:
        return NotApplicable("needs the checkout's pages or the spec's fields")
    # A step that marks no field as required cannot tell its optional fields apart.
    # A select always holds a value: only fields typed into can be skipped by mistake.
    marking = {f.step for f in fields if f.required}
    optional = [f for f in fields if not f.required and f.step in marking and f.type != "select"]
    if not optional:
        return Outcome.binary(True, "every field is required", field_evidence(fields, 3))
    unmarked = [f for f in optional if not f.marked_optional]
    if not unmarked:
        return Outcome(
            1.0, f"all {len(optional)} optional fields are marked", field_evidence(optional)
        )
    return Outcome(
        share(len(optional) - len(unmarked), len(optional)),
        f"{len(unmarked)} of {len(optional)} optional fields not marked as optional",
        field_evidence(unmarked),
        details=(f"not marked: {names(unmarked)}",),
    )


def input_types(context: AuditContext) -> Outcome | NotApplicable:
    fields = _entry_fields(context) or []
    judged = [(f, has_fitting_keyboard(f.purpose, f.type, f.inputmode, f.pattern)) for f in fields]
    judged = [(f, fits) for f, fits in judged if fits is not None]
    if not judged:
        return NotApplicable("no e-mail, phone or card field to judge")
    wrong = [f for f, fits in judged if not fits]
    if not wrong:
        return Outcome(
            1.0,
            f"all {len(judged)} fields show the right keyboard",
            field_evidence(f for f, _ in judged),
        )
    return Outcome(
        share(len(judged) - len(wrong), len(judged)),
        f"{len(wrong)} of {len(judged)} fields show the wrong keyboard on phones",
        field_evidence(wrong),
        details=tuple(
            f"{f.label or f.name}: type={f.type}, wants {expected_keyboard(f.purpose or '')}"
            for f in wrong
        ),
    )


def autocomplete(context: AuditContext) -> Outcome | NotApplicable:
    fields = [f for f in _entry_fields(context) or [] if f.purpose]
    if not fields:
        return NotApplicable("no field whose purpose opsctl recognises")
    missing = [f for f in fields if autofill_token(f.autocomplete) is None]
    if not missing:
        return Outcome(1.0, f"all {len(fields)} fields can be autofilled", field_evidence(fields))
    return Outcome(
        share(len(fields) - len(missing), len(fields)),
        f"{len(missing)} of {len(fields)} fields lack an autocomplete token",
        field_evidence(missing),
        details=tuple(
            f'{f.label or f.name}: autocomplete="{f.autocomplete or ""}", wants "{f.purpose}"'
            for f in missing
        ),
    )


def inline_errors(context: AuditContext) -> Outcome | NotApplicable:
    fact = context.facts.inline_errors
    if fact is None:
        return NotApplicable(
            "no inline-validation markup on the pages (errors may appear only after a submit): "
            "declare [form] inline_errors in the spec"
        )
    if fact.value:
        return Outcome.binary(True, "fields have inline error messages", fact.evidence)
    return Outcome.binary(
        False,
        "no inline error messages next to the fields",
        fact.evidence,
        details=(
            "no error container, aria-describedby/aria-errormessage target or client-side "
            "validation attribute was found next to any field",
        ),
    )


AUDITS = (
    Audit(
        id="form-fields",
        title="The checkout asks for few form fields",
        failure_title="The checkout asks for too many form fields",
        description=(
            "The average checkout has 11.3 form fields; a well-designed one needs about 8 "
            f"(Baymard Institute, 2024). {BAYMARD_LENGTH} Scored on a log-normal curve: "
            "8 fields score 0.9, 11.3 score 0.5."
        ),
        how_to_fix=(
            "Drop fields you do not need (company, a second address line behind a link, phone "
            "unless the carrier needs it), ask for one full-name field, and fill city and state "
            "from the postal code."
        ),
        weight=22,
        group="form",
        scoring="numeric",
        curve=FIELDS_CURVE,
        evaluate=form_fields,
    ),
    Audit(
        id="checkout-steps",
        title="The checkout has few steps",
        failure_title="The checkout has many steps",
        description=(
            "The average checkout has 5.1 steps (Baymard Institute, 2024). "
            f"{BAYMARD_LENGTH} Scored on a log-normal curve: 3 steps (opsctl's choice: "
            "address, shipping, payment) score 0.9, 5.1 score 0.5."
        ),
        how_to_fix=(
            "Merge steps: put shipping method with the address, and review with payment; skip "
            "the account step for guests."
        ),
        weight=11,
        group="form",
        scoring="numeric",
        curve=STEPS_CURVE,
        evaluate=checkout_steps,
    ),
    Audit(
        id="optional-fields-marked",
        title="Optional fields are marked as optional",
        failure_title="Optional fields are not marked as optional",
        description=(
            f"{BAYMARD_LENGTH} Shoppers who cannot tell which fields they may skip fill them "
            "all in, making the form longer than it is."
        ),
        how_to_fix='Add "(optional)" to the label of every field that is not required.',
        weight=5,
        group="form",
        scoring="numeric",
        evaluate=optional_fields_marked,
    ),
    Audit(
        id="mobile-input-types",
        title="Fields show the right keyboard on phones",
        failure_title="Fields show the wrong keyboard on phones",
        description=(
            f"{BAYMARD_LENGTH} On a phone, an e-mail, phone or card-number field typed as plain "
            "text shows the full keyboard and makes every entry slower."
        ),
        how_to_fix=(
            'Use type="email" for e-mail, type="tel" for phone and inputmode="numeric" for '
            "card number and security code."
        ),
        weight=5,
        group="form",
        scoring="numeric",
        evaluate=input_types,
    ),
    Audit(
        id="autocomplete",
        title="Fields can be autofilled",
        failure_title="Fields cannot be autofilled",
        description=(
            f"{BAYMARD_LENGTH} With autocomplete tokens the browser fills name, address, "
            "e-mail and card in one tap, so a long form costs the shopper little."
        ),
        how_to_fix=(
            "Give every field its autocomplete token (given-name, family-name, email, tel, "
            "address-line1, postal-code, country, cc-number, cc-exp, cc-csc...) and never "
            'autocomplete="off".'
        ),
        weight=5,
        group="form",
        scoring="numeric",
        evaluate=autocomplete,
    ),
    Audit(
        id="inline-errors",
        title="Errors are shown next to the field at fault",
        failure_title="Errors are not shown next to the field at fault",
        description=(
            f"{BAYMARD_LENGTH} An error listed at the top of the page sends the shopper "
            "hunting for the field; a message beside the field says what to fix."
        ),
        how_to_fix=(
            "Render each error beside its field and tie it to the field with "
            "aria-describedby (or aria-errormessage), validating as the shopper leaves the field."
        ),
        weight=5,
        group="form",
        evaluate=inline_errors,
    ),
)
