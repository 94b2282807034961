"""Registration, editing and review of initiatives: every step a service, an event row and history.

The web forms, the API and the command line call these; each checks the permission itself
(``governance.permissions``) and refuses with PermissionDenied, so no door is left unguarded.

Workflow::

    draft -> submitted -> in review -> published
                               \\-> changes requested -> (edit) -> submitted ...
    published -> withdrawn (steward, with a reason)
    published -> submitted (steward sends it back to review)
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from stocktake.accounts.choices import MembershipStatus
from stocktake.accounts.models import Profile
from stocktake.accounts.permissions import acting_user, is_steward, member_organisation_ids
from stocktake.accounts.services import is_verified, notify
from stocktake.core.choices import ChangeAction
from stocktake.core.history import Actor, delete_with_history, history_record, save_with_history, snapshot
from stocktake.governance.checklist import CHECKLIST_KEYS, SCORES
from stocktake.governance.choices import ReviewDecision, ReviewerCredit, ReviewStatus
from stocktake.governance.models import EditorGrant, Review, WorkflowEvent
from stocktake.governance.permissions import (
    REVIEWABLE_STATES,
    can_edit,
    can_grant_editing,
    can_review,
    editor_organisation_ids,
    has_conflict,
    is_editor,
)
from stocktake.initiatives.choices import PartnerRole, PublicationState, SectionKind
from stocktake.initiatives.models import Initiative
from stocktake.initiatives.services import (
    action_line_add,
    budget_add,
    child_remove,
    country_add,
    document_add,
    document_update,
    initiative_create,
    initiative_update,
    participation_add,
    region_add,
    sdg_target_add,
    section_add,
    section_update,
)
from stocktake.organisations.models import Organisation
from stocktake.vocabularies.models import ActionLine, Country, Region, SdgTarget

User = get_user_model()
State = PublicationState


class EditConflict(Exception):
    """An edit based on a version that is no longer the current one; nothing was written."""

    def __init__(self, initiative: Initiative, base_version: int) -> None:
        super().__init__(
            f"{initiative.code} is at version {initiative.version}, the edit was based on {base_version}"
        )
        self.initiative = initiative
        self.base_version = base_version


def _locked(initiative: Initiative) -> Initiative:
    """The record re-read under a row lock (PostgreSQL; SQLite's writers already go one at a time)."""
    return Initiative.objects.select_for_update().get(pk=initiative.pk)


def _locked_for_edit(actor: Actor, initiative: Initiative, base_version: int) -> Initiative:
    """The record under its row lock, if ``actor`` may edit it and ``base_version`` is still its version
    (else PermissionDenied or EditConflict, before anything is written)."""
    current = _locked(initiative)
    if not can_edit(acting_user(actor), current):
        raise PermissionDenied(_("You cannot edit this record."))
    if current.version != base_version:
        raise EditConflict(current, base_version)
    return current


def _record_url(initiative: Initiative) -> str:
    return reverse("governance:record", args=[initiative.code_normalised])


def _editors(initiative: Initiative) -> list[Any]:
    organisations = editor_organisation_ids(initiative)
    users = User.objects.filter(
        is_active=True,
        memberships__organisation_id__in=organisations,
        memberships__status=MembershipStatus.APPROVED,
    ).distinct()
    return list(users)


def _stewards() -> list[Any]:
    return list(User.objects.filter(is_active=True, is_staff=True))


def _notify_all(
    users: list[Any], subject: str, *, initiative: Initiative, body: str = "", skip: Any = None
) -> None:
    seen = set()
    for user in users:
        if user.pk in seen or (skip is not None and user.pk == skip.pk):
            continue
        seen.add(user.pk)
        notify(user, subject, body=body, url=_record_url(initiative))


def _transition(
    *, actor: Actor, initiative: Initiative, to: str, action: str, note: str = "", **fields: Any
) -> WorkflowEvent:
    """Moves the record to ``to``, recording the change and the event (the caller holds the lock)."""
    before = snapshot(initiative)
    from_state = initiative.state
    initiative.state = to
    for name, value in fields.items():
        setattr(initiative, name, value)
    initiative.updated = timezone.now()
    initiative.save()
    history_record(actor=actor, action=ChangeAction.UPDATE, obj=initiative, before=before, note=action)
    return WorkflowEvent.objects.create(
        initiative=initiative,
        from_state=from_state,
        to_state=to,
        action=action,
        actor=actor.user,
        actor_label=actor.display,
        note=note.strip(),
    )


# Registration and editing -----------------------------------------------------------------------


@transaction.atomic
def initiative_register(
    *, actor: Actor, organisation: Organisation, code: str, kind: str, title: str, **fields: Any
) -> Initiative:
    """A contributor registers a draft for their organisation, which becomes its lead partner."""
    user = acting_user(actor)
    if not is_steward(user):
        if organisation.pk not in member_organisation_ids(user):
            raise PermissionDenied(
                _("You can register initiatives only for organisations you are a member of.")
            )
        if not is_verified(user):
            raise PermissionDenied(_("Confirm your e-mail address first."))
    initiative = initiative_create(
        actor=actor, code=code, kind=kind, title=title, state=State.DRAFT, **fields
    )
    participation_add(actor=actor, initiative=initiative, organisation=organisation, role=PartnerRole.LEAD)
    WorkflowEvent.objects.create(
        initiative=initiative, to_state=State.DRAFT, action="register", actor=user, actor_label=actor.display
    )
    return initiative


@transaction.atomic
def initiative_edit(*, actor: Actor, initiative: Initiative, base_version: int, **changes: Any) -> Initiative:
    """Changes a record's own fields, if ``base_version`` is still its version (else EditConflict).

    Edits to a reviewed, published record go live at once; the record shows "changed since review"
    until a reviewer confirms (``review_confirm``).
    """
    current = _locked_for_edit(actor, initiative, base_version)
    updated = initiative_update(actor=actor, initiative=current, **changes)
    if updated.changed_since_review and updated.version == (updated.reviewed_version or 0) + 1:
        # The first edit since the review: tell stewards, once.
        _notify_all(
            _stewards(),
            _("%(code)s changed since its review") % {"code": updated.code},
            initiative=updated,
            skip=actor.user,
        )
    return updated


@transaction.atomic
def editor_grant(*, actor: Actor, initiative: Initiative, organisation: Organisation) -> EditorGrant:
    """The lead lets another partner's members edit the record."""
    user = acting_user(actor)
    if not can_grant_editing(user, initiative):
        raise PermissionDenied(_("Only the lead organisation's members can grant editing."))
    if not initiative.participations.filter(organisation=organisation).exists():
        raise ValidationError({"organisation": _("Editing can be granted only to a partner of the record.")})
    grant, created = EditorGrant.objects.get_or_create(
        initiative=initiative, organisation=organisation, defaults={"granted_by": user}
    )
    if created:
        save_with_history(grant, actor=actor, parent=initiative)
    return grant


@transaction.atomic
def editor_revoke(*, actor: Actor, grant: EditorGrant) -> None:
    user = acting_user(actor)
    if not can_grant_editing(user, grant.initiative):
        raise PermissionDenied(_("Only the lead organisation's members can revoke editing."))
    delete_with_history(grant, actor=actor, parent=grant.initiative)


# Workflow --------------------------------------------------------------------------------------


@transaction.atomic
def initiative_submit(*, actor: Actor, initiative: Initiative, note: str = "") -> Initiative:
    user = acting_user(actor)
    current = _locked(initiative)
    if not is_editor(user, current):
        raise PermissionDenied(_("Only the record's editors can submit it."))
    if current.state not in (State.DRAFT, State.CHANGES_REQUESTED):
        raise ValidationError(_("Only a draft or a record with changes requested can be submitted."))
    action = "resubmit" if current.state == State.CHANGES_REQUESTED else "submit"
    _transition(actor=actor, initiative=current, to=State.SUBMITTED, action=action, note=note)
    _notify_all(
        _stewards(), _("%(code)s awaits review") % {"code": current.code}, initiative=current, skip=user
    )
    return current


def _open_review(initiative: Initiative) -> Review | None:
    return Review.objects.filter(initiative=initiative, status=ReviewStatus.OPEN).first()


def _check_reviewer(reviewer: Any, initiative: Initiative) -> None:
    if not can_review(reviewer, initiative):
        if has_conflict(reviewer, initiative):
            raise PermissionDenied(
                _("Conflict of interest: the reviewer belongs to or declared a tie to a party of the record.")
            )
        raise PermissionDenied(_("Only neutral expert reviewers can review records."))


@transaction.atomic
def review_take(*, actor: Actor, initiative: Initiative) -> Review:
    """A reviewer takes a submitted record from the queue."""
    user = acting_user(actor)
    current = _locked(initiative)
    _check_reviewer(user, current)
    if current.state != State.SUBMITTED or _open_review(current) is not None:
        raise ValidationError(_("This record is not waiting in the queue."))
    review = Review(initiative=current, reviewer=user, version_reviewed=current.version)
    save_with_history(review, actor=actor, parent=current)
    _transition(actor=actor, initiative=current, to=State.IN_REVIEW, action="review-start")
    _notify_all(
        _editors(current), _("%(code)s is in review") % {"code": current.code}, initiative=current, skip=user
    )
    return review


@transaction.atomic
def review_assign(*, actor: Actor, initiative: Initiative, reviewer: Any) -> Review:
    """A steward assigns a submitted record to a reviewer without a conflict."""
    user = acting_user(actor)
    if not is_steward(user):
        raise PermissionDenied(_("Only stewards assign reviewers."))
    current = _locked(initiative)
    _check_reviewer(reviewer, current)
    if current.state not in REVIEWABLE_STATES:
        raise ValidationError(_("Only a submitted record can be assigned."))
    open_review = _open_review(current)
    if open_review is not None:
        open_review.status = ReviewStatus.RELEASED
        save_with_history(open_review, actor=actor, parent=current, note="reassigned")
    review = Review(initiative=current, reviewer=reviewer, assigned_by=user, version_reviewed=current.version)
    save_with_history(review, actor=actor, parent=current)
    if current.state != State.IN_REVIEW:
        _transition(actor=actor, initiative=current, to=State.IN_REVIEW, action="review-assign")
    notify(
        reviewer,
        _("You are asked to review %(code)s") % {"code": current.code},
        url=reverse("governance:review", args=[review.pk]),
    )
    return review


@transaction.atomic
def review_release(*, actor: Actor, review: Review, note: str = "") -> Review:
    """The reviewer hands the record back to the queue."""
    user = acting_user(actor)
    if review.reviewer_id != user.pk and not is_steward(user):
        raise PermissionDenied(_("Only the reviewer or a steward can release a review."))
    if review.status != ReviewStatus.OPEN:
        raise ValidationError(_("This review is closed."))
    current = _locked(review.initiative)
    review.status = ReviewStatus.RELEASED
    review.updated = timezone.now()
    save_with_history(review, actor=actor, parent=current, note=note)
    _transition(actor=actor, initiative=current, to=State.SUBMITTED, action="review-release", note=note)
    return review


DECLARATION = _(
    "I declare that neither I nor any organisation I belong to or am tied to takes part in, funds or "
    "stands to gain from this initiative, and that I review it neutrally."
)


@dataclass(frozen=True)
class ReviewInput:
    scores: dict[str, int]
    comments: dict[str, str]
    summary: str
    decision: str
    credit: str
    declaration_signed: bool
    signature: str


def _clean_review(data: ReviewInput) -> None:
    errors: dict[str, list[str]] = {}
    for key in CHECKLIST_KEYS:
        value = data.scores.get(key)
        if value not in SCORES:
            errors.setdefault(f"score_{key}", []).append(_("Give a score from 0 to 3."))
    unknown = (set(data.scores) | set(data.comments)) - set(CHECKLIST_KEYS)
    if unknown:
        errors.setdefault("scores", []).append(_("Unknown checklist items: %s") % ", ".join(sorted(unknown)))
    if data.decision not in ReviewDecision.values:
        errors.setdefault("decision", []).append(_("Choose to publish or to request changes."))
    if data.credit not in ReviewerCredit.values:
        errors.setdefault("credit", []).append(_("Choose how the review names you."))
    if not data.summary.strip():
        errors.setdefault("summary", []).append(_("Write a summary: it is what the public reads."))
    if data.decision == ReviewDecision.CHANGES and not any(text.strip() for text in data.comments.values()):
        errors.setdefault("comments", []).append(_("Say what should change, in the comments."))
    if not data.declaration_signed or not data.signature.strip():
        errors.setdefault("declaration", []).append(
            _("Sign the declaration of no conflict of interest with your full name.")
        )
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def review_complete(*, actor: Actor, review: Review, data: ReviewInput) -> Review:
    """The reviewer scores the checklist, signs the declaration and publishes or asks for changes."""
    user = acting_user(actor)
    if review.reviewer_id != user.pk:
        raise PermissionDenied(_("Only the assigned reviewer can complete this review."))
    current = _locked(review.initiative)
    review = Review.objects.select_for_update().get(pk=review.pk)
    if review.status != ReviewStatus.OPEN or current.state != State.IN_REVIEW:
        raise ValidationError(_("This review is closed."))
    _check_reviewer(user, current)  # ties declared since the review was taken count too
    _clean_review(data)
    profile = Profile.objects.filter(user=user).select_related("stakeholder_group").first()
    now = timezone.now()
    review.scores = {key: int(data.scores[key]) for key in CHECKLIST_KEYS}
    review.comments = {key: text.strip() for key, text in data.comments.items() if text.strip()}
    review.summary = data.summary.strip()
    review.decision = data.decision
    review.credit = data.credit
    if data.credit == ReviewerCredit.NAME:
        review.credit_label = (profile.display_name if profile else "") or data.signature.strip()
    else:
        group = profile.stakeholder_group if profile else None
        review.credit_label = str(group.name) if group else _("an independent expert")
    review.declaration = f"{DECLARATION}\n— {data.signature.strip()}, {now:%Y-%m-%d %H:%M} UTC"
    review.declared_at = now
    review.version_reviewed = current.version
    review.status = ReviewStatus.COMPLETED
    review.completed_at = now
    review.updated = now
    save_with_history(review, actor=actor, parent=current)
    if data.decision == ReviewDecision.PUBLISH:
        _transition(
            actor=actor,
            initiative=current,
            to=State.PUBLISHED,
            action="publish",
            note=review.summary,
            reviewed_version=current.version,
        )
        subject = _("%(code)s is published") % {"code": current.code}
    else:
        _transition(
            actor=actor,
            initiative=current,
            to=State.CHANGES_REQUESTED,
            action="request-changes",
            note=review.summary,
        )
        subject = _("Changes are requested on %(code)s") % {"code": current.code}
    _notify_all(_editors(current), subject, initiative=current, body=review.summary, skip=user)
    return review


@transaction.atomic
def review_confirm(*, actor: Actor, initiative: Initiative, note: str = "") -> Initiative:
    """A reviewer confirms the edits made since the review: the "changed since review" mark goes."""
    user = acting_user(actor)
    current = _locked(initiative)
    _check_reviewer(user, current)
    if not current.changed_since_review:
        raise ValidationError(_("Nothing changed since the review."))
    before = snapshot(current)
    current.reviewed_version = current.version
    current.save(update_fields=["reviewed_version"])
    history_record(
        actor=actor, action=ChangeAction.UPDATE, obj=current, before=before, note="confirm-changes"
    )
    WorkflowEvent.objects.create(
        initiative=current,
        from_state=current.state,
        to_state=current.state,
        action="confirm-changes",
        actor=user,
        actor_label=actor.display,
        note=note.strip(),
    )
    return current


@transaction.atomic
def initiative_send_back(*, actor: Actor, initiative: Initiative, note: str) -> Initiative:
    """A steward sends a published record back to review; it leaves the public registry meanwhile."""
    user = acting_user(actor)
    if not is_steward(user):
        raise PermissionDenied(_("Only stewards send records back to review."))
    current = _locked(initiative)
    if current.state != State.PUBLISHED:
        raise ValidationError(_("Only a published record can be sent back to review."))
    if not note.strip():
        raise ValidationError({"note": _("Say why the record goes back to review.")})
    _transition(actor=actor, initiative=current, to=State.SUBMITTED, action="send-back", note=note)
    _notify_all(
        _editors(current),
        _("%(code)s was sent back to review") % {"code": current.code},
        initiative=current,
        body=note,
    )
    return current


@transaction.atomic
def initiative_withdraw(*, actor: Actor, initiative: Initiative, reason: str) -> Initiative:
    """A steward withdraws a published record, with a reason shown where the record was."""
    user = acting_user(actor)
    if not is_steward(user):
        raise PermissionDenied(_("Only stewards withdraw records."))
    current = _locked(initiative)
    if current.state != State.PUBLISHED:
        raise ValidationError(_("Only a published record can be withdrawn."))
    if not reason.strip():
        raise ValidationError({"reason": _("Give the reason for the withdrawal: it is shown in public.")})
    _transition(
        actor=actor,
        initiative=current,
        to=State.WITHDRAWN,
        action="withdraw",
        note=reason,
        withdrawn_reason=reason.strip(),
    )
    _notify_all(
        _editors(current),
        _("%(code)s was withdrawn") % {"code": current.code},
        initiative=current,
        body=reason,
    )
    return current


def organisations_for_registration(user: Any) -> list[Organisation]:
    """The organisations ``user`` may register initiatives for (stewards: any, chosen elsewhere)."""
    ids = member_organisation_ids(user)
    return list(Organisation.objects.filter(pk__in=ids).order_by("name"))


# Links: places, themes, partners, budgets, sections and documents edited as one form -------------

# The narrative sections the record form edits, one text each; ``comment`` and ``other`` sections
# (and any section with a heading of its own) are left to importers and stewards.
NARRATIVE_KINDS = (
    SectionKind.MAIN_EXPECTATIONS,
    SectionKind.OBJECTIVES,
    SectionKind.OUTPUTS,
    SectionKind.ACCOMPLISHMENTS,
    SectionKind.CHALLENGES,
    SectionKind.LESSONS_LEARNED,
    SectionKind.SUSTAINABILITY,
)


@dataclass(frozen=True)
class PartnerLink:
    organisation: Organisation
    role: str


@dataclass(frozen=True)
class BudgetLink:
    amount: Decimal
    currency: str


@dataclass(frozen=True)
class DocumentLink:
    title: str
    url: str = ""
    category: str = ""


def section_text(text: str) -> str:
    """A section's text as stored and compared: browsers send CRLF, the database keeps LF."""
    return text.replace("\r\n", "\n").replace("\r", "\n").strip()


def _orphaned_goal_links(goal_links: Any, target_goal_ids: set[int]) -> list[Any]:
    """Goal links that ``sdg_target_add`` made for a target no longer linked (it notes "through target")."""
    return [
        link
        for link in goal_links
        if link.note.startswith("through target") and link.goal_id not in target_goal_ids
    ]


@transaction.atomic
def initiative_set_links(
    *,
    actor: Actor,
    initiative: Initiative,
    base_version: int,
    countries: Iterable[Country] | None = None,
    regions: Iterable[Region] | None = None,
    action_lines: Iterable[ActionLine] | None = None,
    sdg_targets: Iterable[SdgTarget] | None = None,
    partners: Iterable[PartnerLink] | None = None,
    budgets: Iterable[BudgetLink] | None = None,
    sections: Mapping[str, str] | None = None,
    documents: Iterable[DocumentLink] | None = None,
) -> Initiative:
    """Makes the record's links what the editor wants: adds the missing, removes the others.

    A link kind given as None is left alone. Links that stay keep what the form does not show (their
    source, basis, percentages, budget periods). Counts as one new version if anything changed, under
    ``initiative_edit``'s rules (permission, ``base_version``, EditConflict).

    ``sections`` maps narrative kinds (``NARRATIVE_KINDS``) to their text; kinds it does not name are
    left alone, an empty text removes the kind's sections. ``documents`` are matched by title and
    address; a matched document keeps its other fields and takes the category given.
    """
    current = _locked_for_edit(actor, initiative, base_version)
    changed = False

    def sync(links: list[Any], key: Callable[[Any], Any], wanted: dict[Any, Any], add: Callable) -> None:
        nonlocal changed
        have = {key(link) for link in links}
        for link in links:
            if key(link) not in wanted:
                child_remove(actor=actor, obj=link)
                changed = True
        for wanted_key, item in wanted.items():
            if wanted_key not in have:
                add(item)
                changed = True

    if countries is not None:
        sync(
            list(current.country_links.all()),
            lambda link: link.country_id,
            {country.pk: country for country in countries},
            lambda country: country_add(actor=actor, initiative=current, country=country),
        )
    if regions is not None:
        sync(
            list(current.region_links.all()),
            lambda link: link.region_id,
            {region.pk: region for region in regions},
            lambda region: region_add(actor=actor, initiative=current, region=region),
        )
    if action_lines is not None:
        sync(
            list(current.action_line_links.all()),
            lambda link: link.action_line_id,
            {line.pk: line for line in action_lines},
            lambda line: action_line_add(actor=actor, initiative=current, action_line=line),
        )
    if sdg_targets is not None:
        targets = {target.pk: target for target in sdg_targets}
        sync(
            list(current.sdg_target_links.all()),
            lambda link: link.target_id,
            targets,
            lambda target: sdg_target_add(actor=actor, initiative=current, target=target),
        )
        goal_ids = {target.goal_id for target in targets.values()}
        for link in _orphaned_goal_links(current.sdg_goal_links.all(), goal_ids):
            child_remove(actor=actor, obj=link)
            changed = True
    if partners is not None:
        wanted_partners = {(p.organisation.pk, p.role): p for p in partners}
        had_lead = current.participations.filter(role=PartnerRole.LEAD).exists()
        if had_lead and not any(role == PartnerRole.LEAD for _org, role in wanted_partners):
            raise ValidationError({"partners": _("A record needs at least one lead partner.")})
        sync(
            list(current.participations.all()),
            lambda link: (link.organisation_id, link.role),
            wanted_partners,
            lambda p: participation_add(
                actor=actor, initiative=current, organisation=p.organisation, role=p.role
            ),
        )
    if budgets is not None:
        existing = list(current.budgets.all())
        wanted_budgets = [(b.amount, b.currency.upper()) for b in budgets]
        # Budgets may repeat (two years of the same amount): matched one for one.
        remaining = list(wanted_budgets)
        for budget in existing:
            pair = (budget.amount, budget.currency)
            if pair in remaining:
                remaining.remove(pair)
            else:
                child_remove(actor=actor, obj=budget)
                changed = True
        for amount, currency in remaining:
            budget_add(actor=actor, initiative=current, amount=amount, currency=currency)
            changed = True
    if sections is not None and _sync_sections(actor, current, sections):
        changed = True
    if documents is not None and _sync_documents(actor, current, list(documents)):
        changed = True
    if changed:
        Initiative.objects.filter(pk=current.pk).update(version=current.version + 1, updated=timezone.now())
        current.version += 1
    return current


def _sync_sections(actor: Actor, initiative: Initiative, sections: Mapping[str, str]) -> bool:
    """One text per narrative kind: added, changed in place (a word diff in the history) or removed."""
    unknown = sorted(set(sections) - set(NARRATIVE_KINDS))
    if unknown:
        raise ValidationError({"sections": _("Unknown section: %(kind)s.") % {"kind": ", ".join(unknown)}})
    changed = False
    for kind, raw in sections.items():
        text = section_text(raw)
        # Imports may have left several untitled sections of a kind: the form shows them as one text.
        existing = list(initiative.sections.filter(kind=kind, heading=""))
        keep = existing[0] if existing and text else None
        for section in existing:
            if section is not keep:
                child_remove(actor=actor, obj=section)
                changed = True
        if keep is None and text:
            section_add(
                actor=actor, initiative=initiative, kind=kind, text=text, language=initiative.language
            )
            changed = True
        elif keep is not None and keep.text != text:
            section_update(actor=actor, section=keep, text=text)
            changed = True
    return changed


def _sync_documents(actor: Actor, initiative: Initiative, documents: list[DocumentLink]) -> bool:
    """Documents matched one for one by (title, address); the same document may be listed twice."""
    remaining = [DocumentLink(d.title.strip(), d.url.strip(), d.category) for d in documents]
    changed = False
    unmatched = []
    for document in initiative.documents.all():
        exact = DocumentLink(document.title, document.url, document.category)
        if exact in remaining:
            remaining.remove(exact)
        else:
            unmatched.append(document)
    for document in unmatched:
        same = next((d for d in remaining if (d.title, d.url) == (document.title, document.url)), None)
        if same is None:
            child_remove(actor=actor, obj=document)
        else:
            remaining.remove(same)
            document_update(actor=actor, document=document, category=same.category)
        changed = True
    for item in remaining:
        document_add(
            actor=actor, initiative=initiative, title=item.title, url=item.url, category=item.category
        )
        changed = True
    return changed


@transaction.atomic
def initiative_revise(
    *,
    actor: Actor,
    initiative: Initiative,
    base_version: int,
    changes: dict[str, Any],
    links: dict[str, Any],
) -> Initiative:
    """One save of the edit form: the record's own fields and its links, all or nothing."""
    current = initiative
    version = base_version
    if changes:
        current = initiative_edit(actor=actor, initiative=current, base_version=version, **changes)
        version = current.version
    if links or not changes:
        # Even an empty save checks the permission and the version, so a stale form is told.
        current = initiative_set_links(actor=actor, initiative=current, base_version=version, **links)
    return current
