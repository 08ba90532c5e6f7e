"""The RE sites' extra validation (``domain.realestate``), registered under ``rules.extra_checks``."""

from __future__ import annotations

from typing import Any

from pazar.domain.adverts import ExtraCheck
from pazar.domain.commands import AdvertDraft
from pazar.domain.errors import FieldError
from pazar.domain.realestate import CategoryFacts, OlxExportRules, RealEstateRules, check
from pazar.services import adverts
from pazar.services.reference import SiteSnapshot

NAME = "realestate"


def rules_for(site: SiteSnapshot) -> RealEstateRules:
    """The RE rules of a site: ``rules.realestate`` of its configuration, attribute kinds of its taxonomy."""
    config: dict[str, Any] = dict(site.rules.get("realestate", {}))
    export = config.get("olx_export")
    categories = {
        cat.id: CategoryFacts(
            integer_codes=frozenset(str(a["code"]) for a in cat.attributes if a.get("re_type") == "integer"),
            area_codes=frozenset(str(a["code"]) for a in cat.attributes if a.get("olx_export_area")),
        )
        for cat in site.categories.values()
    }
    return RealEstateRules(
        contact_email_required=bool(config.get("contact_email_required", True)),
        olx_export=OlxExportRules.from_config(export) if isinstance(export, dict) else None,
        olx_export_default=bool(config.get("olx_export_default", False)),
        categories=categories,
    )


def realestate_checks(site: SiteSnapshot) -> tuple[ExtraCheck, ...]:
    rules = rules_for(site)

    def realestate(draft: AdvertDraft) -> list[FieldError]:
        return check(draft, rules)

    return (realestate,)


adverts.EXTRA_CHECKS[NAME] = realestate_checks
