"""Users and jobs for the jobs tests; jobs are made through the services, as the web pages make them."""

from __future__ import annotations

from itertools import count
from typing import Any

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile

from stocktake.jobs.models import Job
from stocktake.jobs.services import job_create_export, job_create_import

_numbers = count(1)


def make_user(*, staff: bool = True, active: bool = True, **fields: Any) -> Any:
    number = next(_numbers)
    user = get_user_model().objects.create_user(
        username=fields.pop("username", f"steward{number}"),
        password=fields.pop("password", None),  # none to hash (slow on purpose); tests use force_login
        is_staff=staff,
        is_active=active,
        **fields,
    )
    return user


def make_export_job(*, user: Any = None, format: str = "csv", querystring: str = "", **fields: Any) -> Job:
    return job_create_export(user=user, format=format, querystring=querystring, **fields)


def make_import_job(
    *,
    user: Any = None,
    content: bytes = b"",
    name: str = "activities.xml",
    format: str = "",
    dry_run: bool = False,
    all_or_nothing: bool = False,
) -> Job:
    return job_create_import(
        user=user,
        uploaded_file=SimpleUploadedFile(name, content),
        format=format,
        dry_run=dry_run,
        all_or_nothing=all_or_nothing,
    )
