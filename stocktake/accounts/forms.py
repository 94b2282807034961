"""The forms of the account pages. They only parse and validate: writes go through ``accounts.services``."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import PasswordResetForm as DjangoPasswordResetForm
from django.contrib.auth.password_validation import password_validators_help_texts, validate_password
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from stocktake.accounts.choices import MembershipRole, TokenScope
from stocktake.accounts.services import normalise_email, unasked_mail_allowed
from stocktake.vocabularies.models import StakeholderGroup

User = get_user_model()


def _password_help() -> str:
    return " ".join(str(text) for text in password_validators_help_texts())


class SignupForm(forms.Form):
    email = forms.EmailField(label=_("E-mail address"), max_length=254)
    display_name = forms.CharField(
        label=_("Your name"),
        max_length=150,
        required=False,
        help_text=_("Shown to others, such as the administrators of the organisations you ask to join."),
    )
    password1 = forms.CharField(label=_("Password"), strip=False, widget=forms.PasswordInput)
    password2 = forms.CharField(
        label=_("Password again"),
        strip=False,
        widget=forms.PasswordInput,
        help_text=_("The same password, to be sure it was typed as meant."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["password1"].help_text = _password_help()

    def clean_email(self) -> str:
        return normalise_email(self.cleaned_data["email"])

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        first, second = cleaned.get("password1"), cleaned.get("password2")
        if first and second and first != second:
            self.add_error("password2", _("The two passwords differ."))
        elif first:
            # The same validators as the service, here so their messages sit next to the field.
            email = cleaned.get("email", "")
            try:
                validate_password(first, User(username=email, email=email))
            except ValidationError as error:
                self.add_error("password1", error)
        return cleaned


class EmailForm(forms.Form):
    email = forms.EmailField(label=_("E-mail address"), max_length=254)

    def clean_email(self) -> str:
        return normalise_email(self.cleaned_data["email"])


class LoginForm(forms.Form):
    email = forms.CharField(label=_("E-mail address"), max_length=254)
    password = forms.CharField(label=_("Password"), strip=False, widget=forms.PasswordInput)
    next = forms.CharField(required=False, max_length=2000, widget=forms.HiddenInput)

    def clean_email(self) -> str:
        return normalise_email(self.cleaned_data["email"])


class PasswordResetForm(DjangoPasswordResetForm):
    """Django's reset form, its e-mail written here (translated, plain text) and sent on commit."""

    def send_mail(
        self,
        subject_template_name: str,
        email_template_name: str,
        context: dict[str, Any],
        from_email: str | None,
        to_email: str,
        html_email_template_name: str | None = None,
    ) -> None:
        if not unasked_mail_allowed(to_email):
            return
        path = reverse("accounts:password_reset_confirm", args=[context["uid"], context["token"]])
        link = f"{context['protocol']}://{context['domain']}{path}"
        subject = gettext("Reset your Stocktake password")
        body = gettext(
            "Someone asked to reset the password of the Stocktake account with this address. If it was "
            "you, open this link to choose a new password (it works for one day):\n\n%(link)s\n\n"
            "If it was not you, ignore this message: your password stays as it is."
        ) % {"link": link}
        transaction.on_commit(lambda: send_mail(subject, body, from_email, [to_email]))


class StakeholderGroupField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return gettext(obj.name)


class ProfileForm(forms.Form):
    display_name = forms.CharField(label=_("Your name"), max_length=150, required=False)
    stakeholder_group = StakeholderGroupField(
        label=_("Stakeholder group"),
        queryset=StakeholderGroup.objects.all(),
        required=False,
        empty_label=_("Not said"),
        help_text=_("The kind of organisation you work for or speak for."),
    )
    expertise = forms.CharField(
        label=_("Expertise"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Fields, countries and languages you know well: stewards read it to choose reviewers."),
    )
    email_notifications = forms.BooleanField(
        label=_("Send me notifications by e-mail"),
        required=False,
        help_text=_("They always appear on your notifications page."),
    )


class MembershipRequestForm(forms.Form):
    organisation = forms.SlugField(widget=forms.HiddenInput)
    note = forms.CharField(
        label=_("Note to the administrators"),
        max_length=500,
        required=False,
        help_text=_("Your position, say, so they can tell who you are."),
    )


class MembershipDecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", _("approve")), ("decline", _("decline"))])
    role = forms.ChoiceField(
        label=_("Role"), choices=MembershipRole.choices, required=False, initial=MembershipRole.MEMBER
    )

    def clean_role(self) -> str:
        return self.cleaned_data.get("role") or MembershipRole.MEMBER


class AffiliationForm(forms.Form):
    organisation = forms.SlugField(widget=forms.HiddenInput)
    relation = forms.CharField(
        label=_("Nature of the tie"),
        max_length=300,
        required=False,
        help_text=_("Employer, funder, board seat, consultancy, close relative working there..."),
    )


class ReviewerForm(forms.Form):
    user = forms.IntegerField(widget=forms.HiddenInput)
    is_reviewer = forms.BooleanField(required=False, widget=forms.HiddenInput)


class TokenForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=100,
        help_text=_("What the token is for, to recognise it later: “monthly export script”, say."),
    )
    scope = forms.ChoiceField(
        label=_("Scope"),
        choices=TokenScope.choices,
        initial=TokenScope.READ,
        help_text=_("Read is enough to fetch data. Write lets the token change records in your name."),
    )
