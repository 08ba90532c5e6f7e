"""RE rules (contact e-mail, whole numbers, the OLX export of B.2) and the notification helpers."""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime, timedelta

import pytest

from pazar.domain import webhooks as wire
from pazar.domain.commands import AdvertDraft, AttributeValue, Contact, Location, Price
from pazar.domain.realestate import (
    CategoryFacts,
    OlxExportRules,
    Place,
    RealEstateRules,
    check,
    nearest,
    price_text,
    wire_field,
)

AREA, ROOMS, YEAR = "urn:concept:net-area-m2", "urn:concept:number-of-rooms", "urn:concept:construction-year"
FACTS = CategoryFacts(integer_codes=frozenset({YEAR}), area_codes=frozenset({AREA}))
RULES = RealEstateRules(categories={1: FACTS})


def draft(**overrides: object) -> AdvertDraft:
    values: dict[str, object] = {
        "title": "Apartamento T2 renovado em Alvalade",
        "description": "Apartamento com boa luminosidade, cozinha equipada e varanda, perto do metro.",
        "category_id": 1,
        "contact": Contact(name="Joaquim Silva", phone="918888888", email="joaquim@example.pt"),
        "location": Location(city_id=None, latitude=38.75, longitude=-9.14),
        "images": ("https://cdn.example.pt/1.jpg",),
        "price": Price(value=295000, currency="EUR"),
        "attributes": (AttributeValue(AREA, "85"), AttributeValue(ROOMS, "urn:concept:2")),
        "extra": {},
    }
    values.update(overrides)
    return AdvertDraft(**values)  # type: ignore[arg-type]


def fields(errors: list[object]) -> list[str]:
    return [e.field for e in errors]  # type: ignore[attr-defined]


def test_a_valid_draft_passes() -> None:
    assert check(draft(), RULES) == []


@pytest.mark.parametrize(
    ("email", "code"),
    [(None, "required"), ("", "required"), ("joaquim", "invalid_email"), ("a@b", "invalid_email")],
)
def test_the_contact_email_is_required_and_must_look_like_one(email: str | None, code: str) -> None:
    errors = check(draft(contact=Contact(name="Joaquim", email=email)), RULES)
    assert [(e.field, e.code) for e in errors] == [("email", code)]


def test_the_email_may_be_optional_on_a_site_that_says_so() -> None:
    rules = RealEstateRules(contact_email_required=False)
    assert check(draft(contact=Contact(name="Joaquim")), rules) == []


def test_integer_attributes_take_whole_numbers_only() -> None:
    assert check(draft(attributes=(AttributeValue(YEAR, "1999"),)), RULES) == []
    errors = check(draft(attributes=(AttributeValue(YEAR, "1999.5"),)), RULES)
    assert [(e.field, e.code) for e in errors] == [(f"params.{YEAR}", "not_integer")]


def test_olx_export_rules_apply_only_to_exported_adverts() -> None:
    loose = draft(images=(), price=Price(value=0, currency="EUR"))
    assert check(loose, RULES) == []
    exported = draft(images=(), price=Price(value=0, currency="EUR"), extra={"olx_export": True})
    assert fields(check(exported, RULES)) == ["price.value", "images"]
    # A site may export every advert unless it says otherwise.
    assert fields(check(loose, RealEstateRules(olx_export_default=True, categories={1: FACTS}))) == [
        "price.value",
        "images",
    ]
    assert check(draft(extra={"olx_export": False}), RealEstateRules(olx_export_default=True)) == []


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"title": "Casa"}, "title"),
        ({"title": "T" * 112}, "title"),
        ({"description": "Curta demais"}, "description"),
        ({"description": "APARTAMENTO COM VARANDA E GARAGEM, PERTO DO METRO"}, "description"),
        ({"contact": Contact(name="J", email="j@example.pt")}, "name"),
        ({"contact": Contact(name="Joaquim", phone="1234567", email="j@example.pt")}, "phone"),
        ({"contact": Contact(name="Joaquim", phone="12345678901", email="j@example.pt")}, "phone"),
        ({"price": None}, "price.value"),
        ({"price": Price(value=12345678901234, currency="EUR")}, "price.value"),
        ({"attributes": (AttributeValue(AREA, "85.5"),)}, f"params.{AREA}"),
        ({"attributes": (AttributeValue(AREA, "0"),)}, f"params.{AREA}"),
        ({"attributes": (AttributeValue(AREA, "15000001"),)}, f"params.{AREA}"),
    ],
)
def test_each_olx_export_rule(overrides: dict[str, object], field: str) -> None:
    errors = check(draft(extra={"olx_export": True}, **overrides), RULES)
    assert field in fields(errors)
    entry = next(e for e in errors if e.field == field)
    assert entry.code == "olx_export" and entry.title == "Not accepted for the OLX export" and entry.detail


def test_an_exported_advert_within_the_limits_passes() -> None:
    exported = draft(
        extra={"olx_export": True},
        title="T2 em Alvalade",  # 14: below the site's 16, but the export rule itself allows 5-111
        contact=Contact(name="Jo", phone="918 888 888", email="j@example.pt"),
        price=Price(value=1234567890123, currency="EUR"),
        attributes=(AttributeValue(AREA, "15000000"),),
    )
    assert check(exported, RULES) == []


def test_export_limits_come_from_the_configuration() -> None:
    rules = OlxExportRules.from_config({"site": "olx.ro", "title_max": 70, "unknown": 1})
    assert rules.title_max == 70 and rules.title_min == 5


def test_price_text_counts_characters_as_written() -> None:
    assert price_text(1234567890123.0) == "1234567890123"
    assert price_text(12.5) == "12.5"
    assert price_text(1e20) == "100000000000000000000"


def test_wire_field_names_follow_the_payload() -> None:
    assert wire_field("name") == "contact.name"
    assert wire_field("email") == "contact.email"
    assert wire_field("params.urn:concept:net-area-m2") == "attributes.urn:concept:net-area-m2"
    assert wire_field("city_id") == "location"
    assert wire_field("title") == "title"


def test_nearest_place() -> None:
    lisboa, porto = Place(146, 38.7223, -9.1393), Place(159, 41.1579, -8.6291)
    found = nearest([lisboa, porto], 38.75, -9.14)
    assert found is not None and found[0] == lisboa and found[1] < 5
    assert nearest([], 0, 0) is None


# --- notifications (domain.webhooks) ------------------------------------------------------------


def test_times_are_written_as_seed_004_writes_them() -> None:
    moment = datetime(2019, 11, 5, 15, 56, 19, 247000, tzinfo=UTC)
    assert wire.wire_time(moment) == "2019-11-05T15:56:19.000+0000"
    assert wire.wire_time(moment, with_millis=True) == "2019-11-05T15:56:19.247+0000"
    assert wire.millis(moment) == 1572969379247
    assert wire.wire_time(None) is None


def test_the_state_data_has_the_seed_keys_in_order() -> None:
    moment = datetime(2019, 11, 5, 15, 56, 19, tzinfo=UTC)
    state = wire.advert_state(
        status="limited",
        created_at=moment,
        activated_at=None,
        modified_at=moment,
        valid_to=None,
        recorded_at=moment,
        moderation_reason=None,
        moderation_description=None,
        url="/d/oferta/x-ID1.html",
    )
    assert tuple(state) == wire.STATE_KEYS
    assert state["code"] == "unpaid"
    assert state["moderation"] == {"reason": None, "description": None}


def test_for_the_wire_restores_the_order_and_makes_the_url_absolute() -> None:
    moment = datetime(2019, 11, 5, tzinfo=UTC)
    payload = wire.envelope(
        destination="https://crm.example/webhooks",
        timestamp=moment,
        event_timestamp=moment,
        transaction_id="t",
        object_id="o",
        flow=wire.FLOW_PUBLISH,
        data={"url": "/d/oferta/x.html", "code": "active", "ttl": None},
        event_type="advert_posted_success",
    )
    shuffled = dict(reversed(list(payload.items())))
    body = wire.for_the_wire(shuffled, "http://pazar.local:8080/")
    assert tuple(body) == wire.ENVELOPE_KEYS
    assert list(body["data"]) == ["code", "ttl", "url"]
    assert body["data"]["url"] == "http://pazar.local:8080/d/oferta/x.html"


def test_x_signature_is_hmac_sha1_of_object_and_transaction() -> None:
    expected = hmac.new(b"whsec_abc", b"obj,txn", hashlib.sha1).hexdigest()
    assert wire.x_signature("whsec_abc", "obj", "txn") == expected


def test_retry_schedule() -> None:
    schedule = wire.RetrySchedule(retries=2, interval=timedelta(minutes=30))
    now = datetime(2026, 1, 1, tzinfo=UTC)
    assert schedule.next_attempt(attempts_made=1, now=now) == now + timedelta(minutes=30)
    assert schedule.next_attempt(attempts_made=2, now=now) == now + timedelta(minutes=30)
    assert schedule.next_attempt(attempts_made=3, now=now) is None


@pytest.mark.parametrize(
    ("event", "previous", "status", "waiting", "expected"),
    [
        (
            "advert_activated",
            "new",
            "active",
            "post",
            ("publish_advert", "advert_posted_success", True, True),
        ),
        (
            "advert_rejected",
            "new",
            "moderated",
            "post",
            ("publish_advert", "advert_posted_error", True, False),
        ),
        (
            "advert_blocked",
            "new",
            "blocked",
            "activate",
            ("publish_advert", "advert_activated_error", True, False),
        ),
        (
            "advert_activated",
            "new",
            "active",
            None,
            ("advert_lifecycle", "advert_state_changed", False, True),
        ),
        (
            "advert_outdated",
            "active",
            "outdated",
            None,
            ("advert_lifecycle", "advert_state_changed", False, True),
        ),
        ("advert_posted", None, "new", None, ("advert_lifecycle", "advert_state_changed", False, True)),
        ("advert_updated", "active", "active", None, None),
        (
            "advert_deactivated",
            "active",
            "removed_by_user",
            "post",
            ("advert_lifecycle", "advert_state_changed", False, True),
        ),
    ],
)
def test_which_notification_an_event_sends(
    event: str,
    previous: str | None,
    status: str,
    waiting: str | None,
    expected: tuple[str, str, bool, bool] | None,
) -> None:
    notice = wire.after_event(event_type=event, previous_status=previous, status=status, waiting_kind=waiting)
    if expected is None:
        assert notice is None
    else:
        assert notice is not None and (notice.flow, notice.event_type, notice.settles, notice.ok) == expected
