"""API of the monitoring area "deliverables": the targets of plans of action, computed live."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Router, Schema
from ninja.decorators import decorate_view

from stocktake.core.caching import public_page
from stocktake.monitoring.models import Target
from stocktake.monitoring.targets import Cell, TargetMatrix, target_evaluate, target_list

router = Router(tags=["monitoring"])


class MatchOut(Schema):
    code: str
    title: str
    url: str


class CellOut(Schema):
    country: str | None  # ISO 3166-1 alpha-2; null for a target over the whole registry
    country_name: str
    region: str
    count: int
    achieved: bool
    overdue: bool
    url: str  # the initiatives list filtered to this cell
    initiatives: list[MatchOut]


class TargetOut(Schema):
    key: str
    title: str
    description: str
    level: str
    deadline: date | None
    deadline_text: str
    per_country: bool
    at_least: int
    filters: dict[str, Any]
    commitment: str | None
    source: str
    cells_total: int
    achieved: int
    overdue: int
    share_achieved: float | None
    cells: list[CellOut]


def _cell(cell: Cell, request: HttpRequest) -> dict[str, Any]:
    return {
        "country": cell.code or None,
        "country_name": cell.name,
        "region": cell.region,
        "count": cell.count,
        "achieved": cell.achieved,
        "overdue": cell.overdue,
        "url": request.build_absolute_uri(cell.url),
        "initiatives": [
            {"code": item.code, "title": item.title, "url": request.build_absolute_uri(item.url)}
            for item in cell.initiatives
        ],
    }


def _target(matrix: TargetMatrix, request: HttpRequest) -> dict[str, Any]:
    target = matrix.target
    return {
        "key": target.key,
        "title": target.title,
        "description": target.description,
        "level": target.level,
        "deadline": target.deadline,
        "deadline_text": target.deadline_text,
        "per_country": target.per_country,
        "at_least": target.at_least,
        "filters": target.filters,
        "commitment": target.commitment.code if target.commitment else None,
        "source": target.source,
        "cells_total": len(matrix.cells),
        "achieved": matrix.achieved,
        "overdue": matrix.overdue,
        "share_achieved": matrix.share_achieved,
        "cells": [_cell(cell, request) for cell in matrix.cells],
    }


@router.get("/targets", response=list[TargetOut], summary="Targets of plans of action")
@decorate_view(public_page)
def list_targets(request: HttpRequest) -> list[dict[str, Any]]:
    """Every target with its share achieved (0 to 1), its overdue cells and its per-country cells
    (one cell for the whole registry when the target is not asked per country), computed today."""
    return [_target(matrix, request) for matrix in target_list()]


@router.get("/targets/{key}", response=TargetOut, summary="One target")
@decorate_view(public_page)
def get_target(request: HttpRequest, key: str) -> dict[str, Any]:
    target = get_object_or_404(Target.objects.select_related("commitment"), key=key)
    return _target(target_evaluate(target), request)
