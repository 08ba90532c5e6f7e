"""A site's typed rules: every default in ``SiteRules``, a bad value refused with the site and key named."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from pazar.domain.realestate import OlxExportRules
from pazar.domain.site_rules import InvalidSiteConfig, SiteRules
from pazar.domain.text_rules import TextRules


def test_an_empty_configuration_gets_every_default() -> None:
    rules = SiteRules.from_config({}, site="bare")
    assert rules == SiteRules()
    assert rules.text == TextRules()
    assert (rules.advert_valid_days, rules.refresh_interval_days, rules.extend_available) == (30, 14, True)
    assert rules.moderation_delay == timedelta(seconds=3)
    assert rules.timezone.key == "UTC"
    assert rules.realestate.olx_export is None and rules.extra_checks == ()


def test_given_values_are_read_and_typed() -> None:
    config: dict[str, Any] = {
        "timezone": "America/Sao_Paulo",
        "moderation": {"delay_seconds": 0},
        "commerce": {"paid_only_categories": [1, 2]},
        "rules": {
            "text": {"title_min": 2, "max_capitals_ratio": None},
            "phone_min_digits": 10,
            "phone_max_digits": 11,
            "location_mode": "zipcode",
            "jobs_root_category_id": 1447,
            "extra_checks": ["brasil"],
            "realestate": {"olx_export": {"site": "olx.pt", "title_min": 5}},
            "advert_path_prefix": "/d/oferta/",
        },
    }
    rules = SiteRules.from_config(config, site="br")
    assert rules.text == TextRules(title_min=2, max_capitals_ratio=None)
    assert (rules.phone_min_digits, rules.phone_max_digits, rules.location_mode) == (10, 11, "zipcode")
    assert rules.jobs_root_category_id == 1447 and rules.extra_checks == ("brasil",)
    assert rules.realestate.olx_export == OlxExportRules(title_min=5)
    assert rules.timezone.key == "America/Sao_Paulo" and rules.moderation_delay == timedelta(0)
    assert rules.paid_only_categories == frozenset({1, 2})


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"rules": {"advert_valid_days": "30"}}, "site 'x': rules.advert_valid_days must be a whole number"),
        ({"rules": {"advert_valid_days": 0}}, "rules.advert_valid_days must be a whole number of at least 1"),
        ({"rules": {"extend_available": "yes"}}, "rules.extend_available must be true or false, got 'yes'"),
        ({"rules": {"phone_min_digits": 12, "phone_max_digits": 9}}, "rules.phone_max_digits must be"),
        ({"rules": {"text": {"title_max": 1.5}}}, "rules.text.title_max must be a whole number"),
        ({"rules": {"location_mode": "street"}}, "rules.location_mode must be one of"),
        ({"rules": {"extra_checks": "brasil"}}, "rules.extra_checks must be a list of names"),
        ({"rules": {"advert_valid_dayz": 30}}, "unknown key(s) in rules: advert_valid_dayz"),
        ({"rules": {"text": []}}, "rules.text must be an object"),
        (
            {"rules": {"realestate": {"olx_export": {"title_min": "5"}}}},
            "rules.realestate.olx_export.title_min",
        ),
        ({"timezone": "Mars/Olympus"}, "timezone must be an IANA time zone name"),
        ({"moderation": {"delay_seconds": -1}}, "moderation.delay_seconds must be a number of at least 0"),
        ({"commerce": {"paid_only_categories": ["5"]}}, "commerce.paid_only_categories must be a list"),
    ],
)
def test_a_bad_value_is_refused_naming_the_site_and_key(config: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidSiteConfig) as raised:
        SiteRules.from_config(config, site="x")
    assert message in str(raised.value)
    assert str(raised.value).startswith("site 'x': ")
