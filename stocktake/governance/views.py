"""The records pages: registration, editing (with the merge of two edits), the record's workspace and its
workflow actions, the review queue and form, the public checklist and the history tab.

Views parse, call a service and render; the services check the permissions (PermissionDenied becomes
Django's 403) and validate (ValidationError becomes form errors or a message).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.contrib.messages import get_messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from stocktake.accounts.permissions import is_reviewer, is_steward
from stocktake.core.caching import public_page
from stocktake.core.history import Actor, snapshot
from stocktake.core.views import paginate
from stocktake.governance import selectors, services
from stocktake.governance.checklist import CHECKLIST, SCORE_LABELS, SCORES
from stocktake.governance.choices import ReviewStatus
from stocktake.governance.diffs import history_rows
from stocktake.governance.forms import (
    LINK_FIELDS,
    OWN_FIELDS,
    NoteForm,
    ReasonForm,
    RecordForm,
    ReviewForm,
    Values,
    data_from_values,
    link_changes,
    link_values,
    own_changes,
    values_from_snapshot,
)
from stocktake.governance.merge import CHOOSE, apply_choices, base_values, merge, sign_links
from stocktake.governance.models import EditorGrant, Review
from stocktake.governance.permissions import (
    REVIEWABLE_STATES,
    can_edit,
    can_grant_editing,
    can_review,
    can_view,
    is_editor,
    lead_organisation_ids,
)
from stocktake.initiatives.choices import PartnerRole, PublicationState
from stocktake.initiatives.models import Initiative
from stocktake.initiatives.selectors import initiative_by_code
from stocktake.monitoring.panels import workspace_panels
from stocktake.organisations.models import Organisation

User = get_user_model()
State = PublicationState


def _render(request: HttpRequest, template: str, context: dict[str, Any], status: int = 200) -> HttpResponse:
    context.setdefault("notices", list(get_messages(request)))
    return render(request, template, context, status=status)


def _viewable(request: HttpRequest, code: str) -> Initiative:
    """The record, if the visitor may see it; 404 otherwise, so drafts do not reveal they exist."""
    initiative = selectors.record_by_code(code)
    if not can_view(request.user, initiative):
        raise Http404(_("No initiative has this code."))
    return initiative


def _back(initiative: Initiative, anchor: str = "") -> HttpResponse:
    return redirect(reverse("governance:record", args=[initiative.code_normalised]) + anchor)


def _error_text(error: ValidationError) -> str:
    return " ".join(str(message) for message in error.messages)


def _add_errors(form: Any, error: ValidationError, aliases: dict[str, str] | None = None) -> None:
    """A service's ValidationError onto the form: next to the field it names, or at the top."""
    aliases = aliases or {}
    if not hasattr(error, "error_dict"):
        form.add_error(None, error.messages)
        return
    for key, messages_ in error.message_dict.items():
        name = aliases.get(key, key)
        form.add_error(name if name in form.fields else None, messages_)


def _organisation_names() -> list[tuple[str, str]]:
    return list(Organisation.objects.order_by("name").values_list("slug", "name"))


# Lists -----------------------------------------------------------------------------------------


@require_GET
@never_cache
@login_required
def my_records(request: HttpRequest) -> HttpResponse:
    records = selectors.records_for_user(request.user)
    return _render(request, "governance/records.html", {"records": records})


# Registration and editing ----------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@never_cache
@login_required
def register(request: HttpRequest) -> HttpResponse:
    user = request.user
    allowed = (
        list(Organisation.objects.order_by("name"))
        if is_steward(user)
        else services.organisations_for_registration(user)
    )
    # Most people belong to one organisation: it is chosen for them.
    initial = {"organisation": allowed[0].pk} if len(allowed) == 1 else {}
    form = RecordForm(request.POST or None, register=True, organisations=allowed, initial=initial)
    if request.method == "POST" and form.is_valid():
        values = form.values()
        organisation = form.cleaned_data["organisation"]
        values["partners"] = tuple(sorted({*values["partners"], f"{organisation.slug}|{PartnerRole.LEAD}"}))
        changes = own_changes({name: values[name] for name in OWN_FIELDS})
        actor = Actor.from_request(request)
        try:
            # Registration and its links are one write: a refused link leaves no half-made draft.
            with transaction.atomic():
                initiative = services.initiative_register(
                    actor=actor,
                    organisation=organisation,
                    code=form.cleaned_data["code"],
                    kind=changes.pop("kind"),
                    title=changes.pop("title"),
                    **changes,
                )
                services.initiative_set_links(
                    actor=actor,
                    initiative=initiative,
                    base_version=initiative.version,
                    **link_changes({name: values[name] for name in LINK_FIELDS}),
                )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("The draft is saved. Submit it for review when it is complete."))
            return _back(initiative)
    return _render(
        request,
        "governance/register.html",
        {"form": form, "organisation_names": _organisation_names(), "has_organisations": bool(allowed)},
        status=200 if request.method == "GET" or not form.errors else 400,
    )


def _current_values(initiative: Initiative) -> Values:
    return values_from_snapshot(snapshot(initiative)) | link_values(initiative)


def _changed(values: Values, current: Values) -> tuple[dict[str, Any], dict[str, Any]]:
    """What the form changes: own fields for ``initiative_edit``, links for ``initiative_set_links``."""
    own = {name: values[name] for name in OWN_FIELDS if values[name] != current.get(name)}
    links = {name: values[name] for name in LINK_FIELDS if values[name] != current.get(name)}
    return own_changes(own), link_changes(links)


@require_http_methods(["GET", "POST"])
@never_cache
@login_required
def edit(request: HttpRequest, code: str) -> HttpResponse:
    initiative = _viewable(request, code)
    if not can_edit(request.user, initiative):
        raise PermissionDenied(_("You cannot edit this record."))
    current = _current_values(initiative)
    if request.method == "GET":
        form = RecordForm(initial=data_from_values(current))
        return _edit_page(request, initiative, form, version=initiative.version, base=current)
    try:
        version = int(request.POST.get("version", ""))
    except ValueError:
        version = 0
    form = RecordForm(apply_choices(request.POST, current))
    if not form.is_valid():
        return _edit_page(
            request, initiative, form, version=version, base_token=request.POST.get("base_links", "")
        )
    mine = form.values()
    own, links = _changed(mine, current)
    try:
        services.initiative_revise(
            actor=Actor.from_request(request),
            initiative=initiative,
            base_version=version,
            changes=own,
            links=links,
        )
    except services.EditConflict as conflict:
        latest = conflict.initiative
        theirs = _current_values(latest)
        base = base_values(latest, version, request.POST.get("base_links", ""))
        merged, rows = merge(base, theirs, mine)
        context = {
            "initiative": latest,
            "rows": rows,
            "choose": [row for row in rows if row.outcome == CHOOSE],
            "hidden": _hidden_inputs(data_from_values(merged)),
            "version": latest.version,
            "base_links": sign_links(theirs),
        }
        return _render(request, "governance/merge.html", context, status=409)
    except ValidationError as error:
        _add_errors(form, error)
        return _edit_page(
            request, initiative, form, version=version, base_token=request.POST.get("base_links", "")
        )
    messages.success(request, _("Your changes are saved."))
    return _back(initiative)


def _hidden_inputs(data: dict[str, Any]) -> list[tuple[str, str]]:
    pairs = []
    for name, value in data.items():
        for item in value if isinstance(value, list) else [value]:
            pairs.append((name, "" if item is None else str(item)))
    return pairs


def _edit_page(
    request: HttpRequest,
    initiative: Initiative,
    form: RecordForm,
    *,
    version: int,
    base: Values | None = None,
    base_token: str = "",
) -> HttpResponse:
    context = {
        "initiative": initiative,
        "form": form,
        "version": version,
        "base_links": sign_links(base) if base is not None else base_token,
        "organisation_names": _organisation_names(),
    }
    return _render(request, "governance/edit.html", context, status=400 if form.errors else 200)


# The record's workspace ------------------------------------------------------------------------


def _reviewer_choices(initiative: Initiative) -> list[Any]:
    reviewers = User.objects.filter(is_active=True, profile__is_reviewer=True).select_related("profile")
    return [reviewer for reviewer in reviewers.order_by("username") if can_review(reviewer, initiative)]


@require_GET
@never_cache
def record(request: HttpRequest, code: str) -> HttpResponse:
    initiative = _viewable(request, code)
    user = request.user
    editor = is_editor(user, initiative)
    steward = is_steward(user)
    reviewer = can_review(user, initiative)
    insider = editor or steward or reviewer
    open_review = initiative.reviews.filter(status=ReviewStatus.OPEN).select_related("reviewer").first()
    leads = lead_organisation_ids(initiative)
    grants = list(EditorGrant.objects.filter(initiative=initiative).select_related("organisation"))
    granted = {grant.organisation_id for grant in grants}
    grantable = [
        participation.organisation
        for participation in initiative.participations.select_related("organisation")
        if participation.organisation_id not in leads | granted
    ]
    context: dict[str, Any] = {
        "initiative": initiative,
        "insider": insider,
        "changes": history_rows(
            selectors.with_shown_actors(list(selectors.changes_since_review(initiative)), user)
        ),
        "events": selectors.with_shown_actors(list(selectors.record_events(initiative)), user)
        if insider
        else [],
        "reviews": list(selectors.record_reviews(initiative)) if insider else [],
        "published_review": selectors.published_review(initiative),
        "monitoring": workspace_panels(initiative, user),
        "open_review": open_review,
        "checklist": CHECKLIST,
        "can": {
            "edit": can_edit(user, initiative),
            "submit": editor and initiative.state in (State.DRAFT, State.CHANGES_REQUESTED),
            "take": reviewer and initiative.state == State.SUBMITTED and open_review is None,
            "assign": steward and initiative.state in REVIEWABLE_STATES,
            "confirm": reviewer and initiative.changed_since_review,
            "send_back": steward and initiative.state == State.PUBLISHED,
            "withdraw": steward and initiative.state == State.PUBLISHED,
            "grant": can_grant_editing(user, initiative),
            "review": open_review is not None and open_review.reviewer_id == user.pk,
        },
        "reviewers": _reviewer_choices(initiative)
        if steward and initiative.state in REVIEWABLE_STATES
        else [],
        "grants": grants,
        "grantable": sorted({o.pk: o for o in grantable}.values(), key=lambda o: o.name),
        "note_form": NoteForm(),
        "reason_form": ReasonForm(),
    }
    return _render(request, "governance/record.html", context)


def _action(request: HttpRequest, code: str, run: Any, done: str, anchor: str = "") -> HttpResponse:
    """Runs one workflow step for a POST button and comes back to the record with a message."""
    initiative = _viewable(request, code)
    try:
        run(Actor.from_request(request), initiative)
    except ValidationError as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(request, done)
    return _back(initiative, anchor)


@require_POST
@login_required
def submit(request: HttpRequest, code: str) -> HttpResponse:
    note = request.POST.get("note", "")
    return _action(
        request,
        code,
        lambda actor, initiative: services.initiative_submit(actor=actor, initiative=initiative, note=note),
        _("The record is submitted for review."),
    )


@require_POST
@login_required
def take(request: HttpRequest, code: str) -> HttpResponse:
    initiative = _viewable(request, code)
    try:
        review_ = services.review_take(actor=Actor.from_request(request), initiative=initiative)
    except ValidationError as error:
        messages.error(request, _error_text(error))
        return _back(initiative)
    messages.success(request, _("The record is yours to review."))
    return redirect("governance:review", review_.pk)


@require_POST
@login_required
def assign(request: HttpRequest, code: str) -> HttpResponse:
    reviewer = User.objects.filter(pk=request.POST.get("reviewer") or 0, is_active=True).first()
    if reviewer is None:
        initiative = _viewable(request, code)
        messages.error(request, _("Choose a reviewer."))
        return _back(initiative, "#assign")
    return _action(
        request,
        code,
        lambda actor, initiative: services.review_assign(
            actor=actor, initiative=initiative, reviewer=reviewer
        ),
        _("The reviewer is asked to review the record."),
    )


@require_POST
@login_required
def confirm(request: HttpRequest, code: str) -> HttpResponse:
    note = request.POST.get("note", "")
    return _action(
        request,
        code,
        lambda actor, initiative: services.review_confirm(actor=actor, initiative=initiative, note=note),
        _("The changes are confirmed."),
    )


@require_POST
@login_required
def send_back(request: HttpRequest, code: str) -> HttpResponse:
    note = request.POST.get("note", "")
    return _action(
        request,
        code,
        lambda actor, initiative: services.initiative_send_back(
            actor=actor, initiative=initiative, note=note
        ),
        _("The record is back in review."),
    )


@require_POST
@login_required
def withdraw(request: HttpRequest, code: str) -> HttpResponse:
    reason = request.POST.get("reason", "")
    return _action(
        request,
        code,
        lambda actor, initiative: services.initiative_withdraw(
            actor=actor, initiative=initiative, reason=reason
        ),
        _("The record is withdrawn."),
    )


@require_http_methods(["GET", "POST"])
@login_required
def editors(request: HttpRequest, code: str) -> HttpResponse:
    """Grants editing to a partner (POST); the grants are listed on the record's page (GET)."""
    if request.method == "GET":
        return _back(_viewable(request, code), "#editors")
    organisation = Organisation.objects.filter(pk=request.POST.get("organisation") or 0).first()
    if organisation is None:
        messages.error(request, _("Choose a partner organisation."))
        return _back(_viewable(request, code), "#editors")
    return _action(
        request,
        code,
        lambda actor, initiative: services.editor_grant(
            actor=actor, initiative=initiative, organisation=organisation
        ),
        _("%(organisation)s's members can now edit the record.") % {"organisation": organisation},
        "#editors",
    )


@require_POST
@login_required
def editor_revoke(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    initiative = _viewable(request, code)
    grant = get_object_or_404(
        EditorGrant.objects.select_related("initiative", "organisation"), pk=pk, initiative=initiative
    )
    services.editor_revoke(actor=Actor.from_request(request), grant=grant)
    messages.success(
        request,
        _("%(organisation)s's members no longer edit the record.") % {"organisation": grant.organisation},
    )
    return _back(initiative, "#editors")


# Review ----------------------------------------------------------------------------------------


@require_GET
@never_cache
@login_required
def queue(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not (is_reviewer(user) or is_steward(user)):
        raise PermissionDenied(_("The review queue is for neutral expert reviewers."))
    context = {
        "waiting": selectors.review_queue(user) if is_reviewer(user) else [],
        "mine": list(selectors.open_reviews(user)),
        "is_reviewer": is_reviewer(user),
    }
    return _render(request, "governance/queue.html", context)


@require_GET
@public_page
def checklist(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "governance/checklist.html",
        {"checklist": CHECKLIST, "scores": SCORES, "labels": SCORE_LABELS},
    )


@require_http_methods(["GET", "POST"])
@never_cache
@login_required
def review(request: HttpRequest, pk: int) -> HttpResponse:
    review_ = get_object_or_404(Review.objects.select_related("initiative"), pk=pk)
    if review_.reviewer_id != request.user.pk:
        raise PermissionDenied(_("Only the assigned reviewer can open this review."))
    if review_.status != ReviewStatus.OPEN:
        messages.info(request, _("This review is closed."))
        return _back(review_.initiative)
    form = ReviewForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        review_input = services.ReviewInput(
            scores={item.key: data[f"score_{item.key}"] for item in CHECKLIST},
            comments={item.key: data[f"comment_{item.key}"] for item in CHECKLIST},
            summary=data["summary"],
            decision=data["decision"],
            credit=data["credit"],
            declaration_signed=data["declaration_signed"],
            signature=data["signature"],
        )
        try:
            services.review_complete(actor=Actor.from_request(request), review=review_, data=review_input)
        except ValidationError as error:
            _add_errors(form, error, {"declaration": "declaration_signed"})
        else:
            messages.success(request, _("Thank you: the review is recorded."))
            return _back(review_.initiative)
    context = {
        "review": review_,
        "initiative": initiative_by_code(review_.initiative.code_normalised),
        "form": form,
        "declaration": services.DECLARATION,
    }
    return _render(request, "governance/review.html", context, status=400 if form.errors else 200)


@require_POST
@login_required
def release(request: HttpRequest, pk: int) -> HttpResponse:
    review_ = get_object_or_404(Review.objects.select_related("initiative"), pk=pk)
    try:
        services.review_release(
            actor=Actor.from_request(request), review=review_, note=request.POST.get("note", "")
        )
    except ValidationError as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(request, _("The record is back in the queue."))
    return redirect("governance:queue")


# History ---------------------------------------------------------------------------------------


@require_GET
@public_page
def history(request: HttpRequest, code: str) -> HttpResponse:
    initiative = _viewable(request, code)
    page = paginate(
        request,
        selectors.history_shown(initiative, request.user),
        rows=lambda entries: history_rows(selectors.with_shown_actors(list(entries), request.user)),
    )
    return render(request, "governance/history.html", {"initiative": initiative, "page": page, "params": {}})
