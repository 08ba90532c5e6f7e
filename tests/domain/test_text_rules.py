"""Text rules: lengths, HTML, capitals, punctuation, contacts, phone and salary checks."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest

from pazar.domain.errors import FieldError
from pazar.domain.text_rules import (
    JOBS_HTML_TAGS,
    TextRules,
    check_description,
    check_phone_number,
    check_salary,
    check_title,
    visible_text,
)

DEFAULT = TextRules()
JOBS = TextRules(allowed_html_tags=JOBS_HTML_TAGS)
# Short texts isolate one rule from the length limits.
ANY_LENGTH = TextRules(title_min=1, description_min=1)

TITLE = "Sprzedam rower górski Kross"
# 80+ characters of ordinary Polish prose that breaks no rule.
DESCRIPTION = (
    "Sprzedam rower górski w bardzo dobrym stanie, mało używany, zawsze trzymany w garażu. "
    "Odbiór osobisty w Krakowie."
)

REQUIRED = "This field is required"
CAPITALS = "Too many capital letters"
PUNCTUATION = "Field contains to much punctuation"
URL = "Field is not valid. Emails and www addresses are not allowed"
PHONE = "Field is not valid. Phone numbers are not allowed"
NO_HTML = "HTML tags are not allowed"
JOBS_HTML = "Only the following HTML tags are allowed: ul, li, strong, em, p"


def codes(errors: list[FieldError]) -> list[str]:
    return [error.code for error in errors]


def test_valid_fixtures_pass() -> None:
    # The other tests append to these texts, so they must be clean on their own.
    assert check_title(TITLE, DEFAULT) == []
    assert check_description(DESCRIPTION, DEFAULT) == []


# --- required and length -------------------------------------------------------------------


@pytest.mark.parametrize("text", ["", " ", "   \n\t  ", "\u00a0"])
@pytest.mark.parametrize(("check", "field"), [(check_title, "title"), (check_description, "description")])
def test_blank_text_is_required_and_stops_other_checks(
    text: str, check: Callable[[str, TextRules], list[FieldError]], field: str
) -> None:
    # Only one error although a blank text is also shorter than the minimum.
    assert check(text, DEFAULT) == [FieldError(field, REQUIRED, "required")]


def test_required_uses_the_given_field_name() -> None:
    assert check_title("  ", DEFAULT, field="subject") == [FieldError("subject", REQUIRED, "required")]


@pytest.mark.parametrize(
    ("length", "expected"),
    [
        (15, [FieldError("title", "Title is too short. Minimum length is 16 characters", "too_short")]),
        (16, []),
        (70, []),
        (71, [FieldError("title", "Title is too long. Maximum length is 70 characters", "too_long")]),
    ],
)
def test_title_length_boundaries(length: int, expected: list[FieldError]) -> None:
    assert check_title("a" * length, DEFAULT) == expected


@pytest.mark.parametrize(
    ("length", "expected"),
    [
        (
            79,
            [
                FieldError(
                    "description", "Description is too short. Minimum length is 80 characters", "too_short"
                )
            ],
        ),
        (80, []),
        (9000, []),
        (
            9001,
            [
                FieldError(
                    "description", "Description is too long. Maximum length is 9000 characters", "too_long"
                )
            ],
        ),
    ],
)
def test_description_length_boundaries(length: int, expected: list[FieldError]) -> None:
    assert check_description("a" * length, DEFAULT) == expected


@pytest.mark.parametrize(
    ("text", "expected_codes"),
    [("a", ["too_short"]), ("ab", []), ("a" * 90, []), ("a" * 91, ["too_long"])],
)
def test_custom_title_limits(text: str, expected_codes: list[str]) -> None:
    brazil = TextRules(title_min=2, title_max=90)
    assert codes(check_title(text, brazil, field="subject")) == expected_codes


def test_custom_limits_appear_in_titles_with_the_field_label() -> None:
    brazil = TextRules(title_min=2, title_max=90, description_min=2, description_max=6000)
    assert check_title("a", brazil, field="subject") == [
        FieldError("subject", "Subject is too short. Minimum length is 2 characters", "too_short")
    ]
    assert check_description("a" * 6001, brazil, field="body") == [
        FieldError("body", "Body is too long. Maximum length is 6000 characters", "too_long")
    ]


def test_nested_field_name_is_labelled_by_its_last_part() -> None:
    assert check_title("a", DEFAULT, field="ad.title")[0].title.startswith("Title is too short.")


@pytest.mark.parametrize(
    ("text", "expected_codes"),
    [
        ("   " + "a" * 15 + "   ", ["too_short"]),  # surrounding whitespace does not count
        ("ż" * 16, []),  # one character per code point, not per UTF-8 byte
        ("ł" * 70, []),
        ("ó" * 71, ["too_long"]),
    ],
)
def test_title_length_counts_unicode_characters_without_surrounding_whitespace(
    text: str, expected_codes: list[str]
) -> None:
    assert codes(check_title(text, DEFAULT)) == expected_codes


@pytest.mark.parametrize(
    ("text", "expected_codes"),
    [
        ("<p>" + "a" * 79 + "</p>", ["too_short"]),  # tags are not visible characters
        ("<p>" + "a" * 80 + "</p>", []),
        ("<p>" + "a" * 9000 + "</p>", []),
        ("a" * 79 + "&amp;", []),  # an entity is one visible character
        ("a" * 78 + "&amp;", ["too_short"]),
        ("a" * 8999 + "&nbsp;b", ["too_long"]),
    ],
)
def test_description_length_is_measured_on_visible_text(text: str, expected_codes: list[str]) -> None:
    assert codes(check_description(text, JOBS)) == expected_codes


def test_markup_without_visible_text_is_too_short_not_required() -> None:
    assert codes(check_description("<p></p>", JOBS)) == ["too_short"]


# --- visible_text --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("<p>Caf&eacute; &amp; bar</p>", "Café & bar"),
        ("<ul><li>jeden</li><li>dwa</li></ul>", "jedendwa"),
        ("<P CLASS='x'>tekst</P>", "tekst"),
        ("a < b and c > d", "a < b and c > d"),  # "<" before a space is not a tag
        ("x<5 and y>3", "x<5 and y>3"),
        ("&lt;b&gt;bold&lt;/b&gt;", "<b>bold</b>"),  # escaped tags are text
        ("cena &lt; 100 zł", "cena < 100 zł"),
        ("plain text", "plain text"),
    ],
)
def test_visible_text(text: str, expected: str) -> None:
    assert visible_text(text) == expected


# --- HTML ----------------------------------------------------------------------------------


def test_jobs_html_tags() -> None:
    assert frozenset({"ul", "li", "strong", "em", "p"}) == JOBS_HTML_TAGS


@pytest.mark.parametrize("markup", ["<b>", "<p>", "<br/>", "<div class='x'>", "</p>", "<STRONG>"])
def test_html_is_rejected_when_no_tags_are_allowed(markup: str) -> None:
    assert check_description(DESCRIPTION + markup, DEFAULT) == [
        FieldError("description", NO_HTML, "html_not_allowed")
    ]


def test_allowed_jobs_markup_passes() -> None:
    text = (
        "<p>Zatrudnimy <strong>kierowcę</strong> kategorii C+E.</p>"
        "<ul><li>umowa o pracę</li><li><em>premie</em> kwartalne</li><li>praca od zaraz</li></ul>"
        "<P>Zapraszamy do składania aplikacji.</P><p/>"
    )
    assert check_description(text, JOBS) == []


@pytest.mark.parametrize(
    "markup",
    [
        "<br>",
        "<a href='https://x'>link</a>",
        "<script>alert(1)</script>",
        "<strongest>",  # a longer name that starts with an allowed one
        "<p style='color:red'>",  # allowed tag, but with attributes
        "<li class=x>",
        "</p foo>",
    ],
)
def test_jobs_markup_outside_the_allowed_set_is_rejected(markup: str) -> None:
    assert check_description(DESCRIPTION + markup, JOBS) == [
        FieldError("description", JOBS_HTML, "html_not_allowed")
    ]


def test_titles_never_accept_html_even_when_descriptions_do() -> None:
    assert check_title(f"<strong>{TITLE}</strong>", JOBS) == [
        FieldError("title", NO_HTML, "html_not_allowed")
    ]


@pytest.mark.parametrize("text", ["a < b", "kocham <3 ten rower", "x<5, y>3", "1<2", "<-- tu"])
def test_lone_angle_brackets_are_not_tags(text: str) -> None:
    assert "html_not_allowed" not in codes(check_description(DESCRIPTION + " " + text, DEFAULT))


def test_custom_allowed_tags_are_listed_known_order_first() -> None:
    rules = TextRules(allowed_html_tags=frozenset({"br", "ul"}))
    assert check_description(DESCRIPTION + "<ul><br></ul>", rules) == []
    assert check_description(DESCRIPTION + "<p>", rules) == [
        FieldError("description", "Only the following HTML tags are allowed: ul, br", "html_not_allowed")
    ]


@pytest.mark.parametrize(
    "kwargs",
    [
        {"title_min": 10, "title_max": 5},
        {"description_min": -1},
        {"max_capitals_ratio": 1.5},
        {"allowed_html_tags": frozenset({"UL"})},
        {"allowed_html_tags": frozenset({"p style"})},
    ],
)
def test_inconsistent_rules_are_refused(kwargs: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        TextRules(**kwargs)


# --- capitals ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("title", "flagged"),
    [
        ("BMW", False),  # fewer than 4 letters are never judged
        ("BMW X5", True),  # 4 letters, all capitals
        ("BMW X5 SPORT", True),
        ("AUDI", True),
        ("ABcd", False),  # exactly 50% is allowed
        ("ABCd", True),
        ("Sprzedam BMW X5", False),
        ("ŻÓŁĆ", True),  # non-ASCII capitals count
        ("Żółć gęślą jaźń", False),
        ("ŻÓŁW ma", True),
        ("12345 !!", False),  # no letters at all
        ("A1 B2", False),
    ],
)
def test_capitals(title: str, flagged: bool) -> None:
    assert ("too_many_capitals" in codes(check_title(title, ANY_LENGTH))) is flagged


def test_capitals_error_is_exact() -> None:
    assert check_title("SPRZEDAM ROWER GÓRSKI", DEFAULT) == [
        FieldError("title", CAPITALS, "too_many_capitals")
    ]


def test_capitals_ignore_tag_names_and_count_entities() -> None:
    assert check_description("<STRONG>" + DESCRIPTION + "</STRONG>", JOBS) == []
    assert codes(check_title("&Oacute;&Oacute;&Oacute;&Oacute;", ANY_LENGTH)) == ["too_many_capitals"]


@pytest.mark.parametrize(("title", "flagged"), [("ABCDe", False), ("ABCDEf", True)])
def test_custom_capitals_ratio(title: str, flagged: bool) -> None:
    rules = TextRules(title_min=1, max_capitals_ratio=0.8)
    assert ("too_many_capitals" in codes(check_title(title, rules))) is flagged


def test_capitals_rule_can_be_turned_off() -> None:
    assert check_title("SPRZEDAM ROWER GÓRSKI", TextRules(max_capitals_ratio=None)) == []


# --- punctuation ---------------------------------------------------------------------------

PUNCTUATION_CHARS = list("!?.,-=+#%&@*_><:()|")


@pytest.mark.parametrize("char", PUNCTUATION_CHARS)
def test_any_listed_character_three_times_in_a_row_is_rejected(char: str) -> None:
    assert check_title(f"Sprzedam rower {char * 3} tanio", DEFAULT) == [
        FieldError("title", PUNCTUATION, "punctuation")
    ]


@pytest.mark.parametrize("char", PUNCTUATION_CHARS)
def test_twice_in_a_row_is_fine(char: str) -> None:
    assert "punctuation" not in codes(check_title(f"Sprzedam rower {char * 2} tanio", DEFAULT))


@pytest.mark.parametrize(
    ("text", "flagged"),
    [
        ("Okazja!!!!", True),
        ("Zobacz sam...", True),
        ("Co?!?!", False),  # mixed characters, never the same one three times
        ("Zobacz sam…", False),  # the ellipsis character is not in the list
        ("ratio 1:1:1", False),
        ("a ~~~ b", False),  # "~" is not in the list
        ("&amp;&amp;&amp;", True),  # judged on visible text
    ],
)
def test_punctuation_runs(text: str, flagged: bool) -> None:
    assert ("punctuation" in codes(check_title(text, ANY_LENGTH))) is flagged


def test_punctuation_rule_can_be_turned_off() -> None:
    assert check_title("Okazja!!! Sprzedam rower", TextRules(punctuation_runs=False)) == []


# --- e-mails and www addresses ---------------------------------------------------------------


@pytest.mark.parametrize(
    "fragment",
    [
        "jan.kowalski@gmail.com",
        "pisz na jan@o2.pl",
        "JAN@WP.PL",
        "jan&#64;wp.pl",  # entity-encoded "@"
        "www.olx.pl",
        "WWW.Sklep-Rowerowy",
        "http://example.org",
        "https://olx.pl/d/oferta/rower",
        "HTTPS://EXAMPLE",
        "olx.pl",
        "sklep-abc.com",
        "OLX.PL",
        "zajrzyj na allegro.pl/oferta",
        "moja-firma.com.br",
        "kontakt: jan(at)wp.pl",  # the domain alone gives it away
        "strona rowery.info, zapraszam",
        "sklep.io",
    ],
)
def test_emails_and_addresses_are_rejected(fragment: str) -> None:
    assert check_description(f"{DESCRIPTION} {fragment}", DEFAULT) == [
        FieldError("description", URL, "contact_url")
    ]


@pytest.mark.parametrize(
    "fragment",
    [
        "Rower ma m.in. nowe opony, np. Schwalbe.",
        "Waga 12.5 kg, rama 5.5 cala.",
        "Odbiór godz.10 lub godz.18.",
        "ul.Kwiatowa 5, Sp. z o.o., itp.",
        "Dz.U. nr 12, tzw. okazja, tj. tanio.",
        "Vendo carro.Eu gosto muito dele.",  # Portuguese "eu" after a missing space
        "Casa.Com piscina e jardim.",  # Portuguese "com"
        "e.g. this one, i.e. that one, etc.",
        "Śledź nas @olx na portalach.",  # a handle, not an address
        "Zażółć gęślą jaźń, źdźbło, łódź.",
        "Wersja 2.0.1, model 3.pl",  # one character before the dot
    ],
)
def test_prose_is_not_mistaken_for_addresses(fragment: str) -> None:
    assert check_description(f"{DESCRIPTION} {fragment}", DEFAULT) == []


# --- phone numbers -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "fragment",
    [
        "+48 601 234 567",
        "601-234-567",
        "(22) 123 45 67",
        "601234567",
        "tel. 601.234.567",
        "+48601234567",
        "+48 601234567",
        "0048 601 234 567",
        "+1 (555) 123-4567",
        "(11) 98765-4321",  # Brazilian mobile, 5-digit group
        "(11)98765-4321",
        "+351 912 345 678",
        "0721 234 567",
        "601&nbsp;234&nbsp;567",
        "dzwoń:601234567.",
        "BMW X5, 601 234 567",
        "rok 2015 601 234 567",  # a year glued to a phone is still a phone
        "od 01.02.2015 601 234 567",
        "601 234 567  oraz 1 500 zł",
        "cena 1 500 zł, tel 601 234 567",
        "<p>601 234 567</p>",
    ],
)
def test_phone_numbers_are_rejected(fragment: str) -> None:
    assert check_description(f"{DESCRIPTION} {fragment}", JOBS) == [
        FieldError("description", PHONE, "contact_phone")
    ]


@pytest.mark.parametrize(
    "fragment",
    [
        "Rok produkcji 2015.",
        "Cena 1 500 zł.",
        "Cena 12 000 PLN do negocjacji.",
        "Cena 450 000 zł, czynsz 500 zł/mies.",
        "Wymiary 120x60x75 cm.",
        "Wymiary 120 x 60 x 75 cm.",
        "VIN WVWZZZ1KZ6W123456.",
        "Model ABC123456789, kod 123456789X.",
        "Działka za 125 000 000 zł.",
        "Preço R$ 125.000.000 ou R$ 1.250.000,00.",
        "Dostępne od 01.02.2015 10.00 do 2015-02-01 18.00.",
        "Roczniki 2015 2016 2017 oraz 1999-2005-2010.",
        "Otwarte 10.00-18.00, kod 00-950 Warszawa.",
        "Promocja 12.05.2015 - 15.06.2015.",
        "Przebieg 1 250 000 000 km? Nie, 125 000 km.",
        "Wartość 5.5, 2.75 i 3,14.",
        "<ul><li>2015</li><li>2016</li><li>2017</li></ul>",
    ],
)
def test_numbers_that_are_not_phones_pass(fragment: str) -> None:
    assert check_description(f"{DESCRIPTION} {fragment}", JOBS) == []


def test_contact_rules_can_be_turned_off() -> None:
    rules = TextRules(forbid_contacts=False)
    assert check_description(f"{DESCRIPTION} jan@wp.pl 601 234 567", rules) == []


# --- several errors at once ------------------------------------------------------------------


def test_every_failing_rule_is_reported_in_order() -> None:
    rules = TextRules(title_max=30)
    errors = check_title("<b>SUPER OKAZJA!!!</b> WWW.OLX.PL TEL 601234567", rules)
    assert errors == [
        FieldError("title", "Title is too long. Maximum length is 30 characters", "too_long"),
        FieldError("title", NO_HTML, "html_not_allowed"),
        FieldError("title", CAPITALS, "too_many_capitals"),
        FieldError("title", PUNCTUATION, "punctuation"),
        FieldError("title", URL, "contact_url"),
        FieldError("title", PHONE, "contact_phone"),
    ]


def test_short_text_with_contacts_reports_both() -> None:
    assert codes(check_description("Dzwoń 601 234 567, jan@wp.pl", DEFAULT)) == [
        "too_short",
        "contact_url",
        "contact_phone",
    ]


# --- check_phone_number --------------------------------------------------------------------


@pytest.mark.parametrize(
    "phone",
    [
        "601234567",
        "+48 601 234 567",
        "(22) 123-45-67",
        "601.234.567",
        "+48601234567",
        "123456789012345",  # 15 digits
        " 601 234 567 ",
    ],
)
def test_valid_phone_numbers(phone: str) -> None:
    assert check_phone_number(phone) == []


@pytest.mark.parametrize(
    "phone",
    [
        "",
        "+",
        "12345678",  # 8 digits
        "1234567890123456",  # 16 digits
        "+48 601 234 56a",
        "++48601234567",
        "48+601234567",
        "601_234_567",
        "601/234/567",
        "٦٠١٢٣٤٥٦٧",  # Arabic-Indic digits are digits to Python, not to a phone network
        "601\t234\t567",
    ],
)
def test_invalid_phone_numbers(phone: str) -> None:
    assert check_phone_number(phone) == [FieldError("phone", "Invalid phone format", "invalid_phone")]


@pytest.mark.parametrize(
    ("phone", "valid"), [("11 98765-4321", True), ("987654321", False), ("119876543210", False)]
)
def test_phone_digit_limits_are_parameters(phone: str, valid: bool) -> None:
    errors = check_phone_number(phone, field="contact.phone", min_digits=10, max_digits=11)
    assert errors == ([] if valid else [FieldError("contact.phone", "Invalid phone format", "invalid_phone")])


# --- check_salary ----------------------------------------------------------------------------

CURRENCIES = frozenset({"PLN", "EUR"})


def salary(
    value_from: float | None = 3000,
    value_to: float | None = 5000,
    currency: str | None = "PLN",
    salary_type: str | None = "monthly",
) -> list[FieldError]:
    return check_salary(
        value_from=value_from,
        value_to=value_to,
        currency=currency,
        salary_type=salary_type,
        allowed_currencies=CURRENCIES,
    )


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"value_from": 0, "value_to": 99999999999999},
        {"value_from": 4000, "value_to": 4000},
        {"value_to": None},
        {"value_from": None},
        {"salary_type": "hourly"},
        {"salary_type": None},
        {"value_from": None, "value_to": None, "currency": None, "salary_type": None},
    ],
)
def test_valid_salaries(kwargs: dict[str, Any]) -> None:
    assert salary(**kwargs) == []


@pytest.mark.parametrize(
    ("currency", "expected"),
    [
        (
            "eur",
            FieldError(
                "salary.currency", "Salary currency has to be written in uppercase", "currency_lowercase"
            ),
        ),
        (
            "Pln",
            FieldError(
                "salary.currency", "Salary currency has to be written in uppercase", "currency_lowercase"
            ),
        ),
        ("xyz", FieldError("salary.currency", "Invalid value", "invalid_currency")),
        ("USD", FieldError("salary.currency", "Invalid value", "invalid_currency")),
        ("EURO", FieldError("salary.currency", "Invalid value", "invalid_currency")),
        ("€", FieldError("salary.currency", "Invalid value", "invalid_currency")),
        ("PL1", FieldError("salary.currency", "Invalid value", "invalid_currency")),
        (None, FieldError("salary.currency", REQUIRED, "required")),
        ("", FieldError("salary.currency", REQUIRED, "required")),
    ],
)
def test_salary_currency(currency: str | None, expected: FieldError) -> None:
    assert salary(currency=currency) == [expected]


def test_currency_alone_is_still_validated() -> None:
    assert codes(salary(value_from=None, value_to=None, currency="eur")) == ["currency_lowercase"]


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        (
            {"value_from": -1},
            FieldError("salary.value_from", "Value cannot be negative", "out_of_range"),
        ),
        (
            {"value_from": -0.5, "value_to": None},
            FieldError("salary.value_from", "Value cannot be negative", "out_of_range"),
        ),
        (
            {"value_to": 100000000000000},
            FieldError("salary.value_to", "Value cannot be greater than 99999999999999", "out_of_range"),
        ),
        (
            {"value_from": 1e20, "value_to": None},
            FieldError("salary.value_from", "Value cannot be greater than 99999999999999", "out_of_range"),
        ),
        (
            {"value_to": float("inf")},
            FieldError("salary.value_to", "Value cannot be greater than 99999999999999", "out_of_range"),
        ),
        (
            {"value_from": float("nan")},
            FieldError("salary.value_from", "Invalid value", "invalid_number"),
        ),
        (
            {"value_from": 5000, "value_to": 4999.99},
            FieldError("salary.value_to", "Upper value cannot be lower than lower value", "range_order"),
        ),
        (
            {"salary_type": "weekly"},
            FieldError("salary.type", "Invalid value", "invalid_choice"),
        ),
        (
            {"salary_type": "Monthly"},
            FieldError("salary.type", "Invalid value", "invalid_choice"),
        ),
    ],
)
def test_salary_values_and_type(kwargs: dict[str, Any], expected: FieldError) -> None:
    assert salary(**kwargs) == [expected]


def test_range_order_is_not_reported_on_top_of_a_bad_bound() -> None:
    assert codes(salary(value_from=5000, value_to=-1)) == ["out_of_range"]


def test_all_salary_errors_are_reported_in_wire_order() -> None:
    errors = salary(value_from=-1, value_to=10**15, currency="eur", salary_type="yearly")
    assert [(error.field, error.code) for error in errors] == [
        ("salary.value_from", "out_of_range"),
        ("salary.value_to", "out_of_range"),
        ("salary.currency", "currency_lowercase"),
        ("salary.type", "invalid_choice"),
    ]


def test_salary_limits_are_parameters() -> None:
    errors = check_salary(
        value_from=100,
        value_to=1001,
        currency="BRL",
        salary_type="daily",
        allowed_currencies=frozenset({"BRL"}),
        allowed_types=frozenset({"daily"}),
        max_value=1000,
    )
    assert errors == [FieldError("salary.value_to", "Value cannot be greater than 1000", "out_of_range")]


# --- pathological input --------------------------------------------------------------------

TEN_MB = 10_000_000
# Smaller, since a quadratic scan shows at any of these sizes and the suite should stay fast.
TWO_MB = 2_000_000


@pytest.mark.parametrize(
    ("text", "expected_codes"),
    [
        ("a" * TEN_MB, ["too_long"]),
        ("!" * TEN_MB, ["too_long", "punctuation"]),
        ("1 " * (TEN_MB // 2), ["too_long"]),  # one 10 MB run: far too many digits for a phone
    ],
    ids=["letters", "bangs", "digit-space"],
)
@pytest.mark.parametrize("check", [check_title, check_description])
def test_pathological_input_is_checked_well_under_a_second(
    text: str, expected_codes: list[str], check: Callable[[str, TextRules], list[FieldError]]
) -> None:
    started = time.perf_counter()
    errors = check(text, DEFAULT)
    elapsed = time.perf_counter() - started
    assert codes(errors) == expected_codes
    # Backtracking or a quadratic scan over 10 MB would take minutes; this takes ~0.2 s.
    assert elapsed < 1.0


@pytest.mark.parametrize(
    ("text", "expected_codes"),
    [
        ("1  " * (TWO_MB // 3), ["too_long"]),  # millions of short numbers
        ("<a" * (TWO_MB // 2), ["too_long"]),  # tag openings that never close
        ("<" + "a" * TWO_MB, ["too_long"]),
        ("a@" * (TWO_MB // 2), ["too_long"]),
        ("a@" + "a" * TWO_MB, ["too_long"]),
        ("ww." * (TWO_MB // 3), ["too_long"]),
        ("Ab." * (TWO_MB // 3), ["too_long"]),
        ("(1)" * (TWO_MB // 3), ["too_long"]),
        ("1" * TWO_MB, ["too_long"]),
        ("ą" * TWO_MB, ["too_long"]),  # the non-ASCII capitals path
        ("<p>" * (TWO_MB // 3), ["too_short"]),  # millions of allowed tags
    ],
    ids=[
        "digit-2space",
        "open-tags",
        "long-tag",
        "at-signs",
        "long-domain",
        "www",
        "dots",
        "parens",
        "digits",
        "non-ascii",
        "allowed-tags",
    ],
)
def test_adversarial_input_stays_linear(text: str, expected_codes: list[str]) -> None:
    started = time.perf_counter()
    errors = check_description(text, JOBS)
    elapsed = time.perf_counter() - started
    assert codes(errors) == expected_codes
    assert elapsed < 1.0
