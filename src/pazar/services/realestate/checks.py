"""The RE sites' extra validation (``domain.realestate``): the ``realestate`` check set a site's
``rules.extra_checks`` may name (registered by ``pazar.wiring``)."""

from __future__ import annotations

from pazar.domain.adverts import ExtraCheck
from pazar.domain.commands import AdvertDraft
from pazar.domain.errors import FieldError
from pazar.domain.realestate import CategoryFacts, RealEstateRules, check
from pazar.services.reference import SiteSnapshot

NAME = "realestate"


def rules_for(site: SiteSnapshot) -> RealEstateRules:
    """The RE rules of a site: ``rules.realestate`` of its configuration, attribute kinds of its taxonomy."""
    settings = site.rules.realestate
    categories = {
        cat.id: CategoryFacts(
            integer_codes=frozenset(str(a["code"]) for a in cat.attributes if a.get("re_type") == "integer"),
            area_codes=frozenset(str(a["code"]) for a in cat.attributes if a.get("olx_export_area")),
        )
        for cat in site.categories.values()
    }
    return RealEstateRules(
        contact_email_required=settings.contact_email_required,
        olx_export=settings.olx_export,
        olx_export_default=settings.olx_export_default,
        categories=categories,
    )


def realestate_checks(site: SiteSnapshot) -> tuple[ExtraCheck, ...]:
    rules = rules_for(site)

    def realestate(draft: AdvertDraft) -> list[FieldError]:
        return check(draft, rules)

    return (realestate,)
