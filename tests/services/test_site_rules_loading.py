"""Typed site rules and the registries, as a running server sees them: defaults through HTTP, a bad
stored value refused when the snapshot loads, an unregistered check set named clearly."""

from __future__ import annotations

import pytest
from sqlalchemy import update

from pazar.db.models import Site
from pazar.domain.site_rules import InvalidSiteConfig, SiteRules
from pazar.ports import ManualClock
from pazar.services.reference import ReferenceCache, SiteChecks, UnknownSiteCheck
from pazar.wiring import job_handlers, site_checks
from pazar.worker import BATCHED_KINDS
from support import BR_SITE, OTHER_SITE, RE_SITE, World, phone_advert, seller


async def test_a_site_without_a_rule_gets_the_documented_default(world: World) -> None:
    runtime = world.app.runtime
    async with runtime.db.transaction() as session:
        site = await runtime.reference.get(session, "olx.pl")
    assert "text" not in site.config["rules"] and "phone_min_digits" not in site.config["rules"]
    minimum = SiteRules().text.title_min
    me = await seller(world)
    short = await me.post(
        phone_advert(title="x" * (minimum - 1), contact={"name": "Jan", "phone": "60123456"})
    )
    assert short.status_code == 400, short.text
    assert short.json()["error"]["validation"] == [
        {"field": "title", "title": f"Title is too short. Minimum length is {minimum} characters"},
        {"field": "phone", "title": "Invalid phone format"},
    ]
    fits = await me.post(phone_advert(title="Telefon " + "x" * (minimum - 8)))
    assert fits.status_code == 200, fits.text
    assert fits.json()["data"]["title"] == "Telefon " + "x" * (minimum - 8)


async def test_a_bad_stored_value_is_refused_when_the_snapshot_loads(world: World) -> None:
    runtime = world.app.runtime
    async with runtime.db.transaction() as session:
        original = (await session.get(Site, OTHER_SITE)).config  # type: ignore[union-attr]
        bad = {**original, "rules": {"advert_valid_days": "thirty"}}
        await session.execute(update(Site).where(Site.id == OTHER_SITE).values(config=bad))
    runtime.reference.invalidate()
    try:
        async with runtime.db.transaction() as session:
            with pytest.raises(InvalidSiteConfig) as raised:
                await runtime.reference.get(session, OTHER_SITE)
        assert str(raised.value) == (
            "site 'olx.ro': rules.advert_valid_days must be a whole number of at least 1, got 'thirty'"
        )
    finally:
        async with runtime.db.transaction() as session:
            await session.execute(update(Site).where(Site.id == OTHER_SITE).values(config=original))
        runtime.reference.invalidate()
    async with runtime.db.transaction() as session:
        assert (await runtime.reference.get(session, OTHER_SITE)).rules == SiteRules()


async def test_each_site_gets_the_check_sets_it_names_from_the_registry(world: World) -> None:
    wired = ReferenceCache(checks=site_checks(world.clock))
    async with world.app.runtime.db.transaction() as session:
        brasil = await wired.get(session, BR_SITE)
        realestate = await wired.get(session, RE_SITE)
        plain = await wired.get(session, "olx.pl")
    assert [check.__name__ for check in brasil.checks] == ["brasil"]
    assert [check.__name__ for check in realestate.checks] == ["realestate"]
    assert plain.checks == ()


async def test_an_unregistered_check_set_fails_clearly_at_load(world: World) -> None:
    partial = ReferenceCache(
        checks=SiteChecks({"realestate": site_checks(ManualClock()).factories["realestate"]})
    )
    async with world.app.runtime.db.transaction() as session:
        with pytest.raises(UnknownSiteCheck) as raised:
            await partial.get(session, BR_SITE)
        assert (await partial.get(session, RE_SITE)).checks  # the registered one still loads
    assert str(raised.value) == (
        "site 'olx.com.br': rules.extra_checks names 'brasil', "
        "which is not a registered check set (registered: realestate)"
    )


def test_the_worker_has_a_handler_for_every_job_kind_it_batches() -> None:
    handlers = job_handlers()
    assert handlers.keys() >= BATCHED_KINDS
    assert set(handlers) == {
        "moderate",
        "expire",
        "re_operation",
        "autoupload_import",
        "autoupload_images",
        "autoupload_review",
    }
