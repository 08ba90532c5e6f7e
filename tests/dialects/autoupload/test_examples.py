"""Every example request and response of seed 001 (``examples.json``), replayed against pazar.

Responses come out exactly as printed, with three kinds of substitution: pazar's own tokens and
advert ids stand where the seed has its sample values, "Parte do retorno" catalogue answers are
compared as the head of the full answer, and the seed's one ``"status": "accept"`` is the
``accepted`` of its own table (docs/autoupload.md). The seed's import requests that its own tables
refuse get the refusal those tables call for, and pass once the refused values are mended.
"""

from __future__ import annotations

import copy
import json
import re
from typing import Any

import pytest
from test_processing import IMPORT, REVIEW, only

from pazar.services.autoupload.site_data import site_directory
from support import BR_HOST, Integrator, World, apartment_ad, car_ad, integrator, run_jobs, unique

EXAMPLES = {e["name"]: e for e in json.loads(site_directory().joinpath("examples.json").read_text("utf-8"))}


def example(name: str) -> dict[str, Any]:
    return copy.deepcopy(EXAMPLES[name])


def with_token(request: dict[str, Any], me: Integrator) -> dict[str, Any]:
    return {**request, "access_token": me.token}


def test_every_example_is_replayed_here() -> None:
    replayed = {
        "import_request_two_inserts_one_delete",
        "import_request_minimal_car",
        "params_2020_carros",
        *PARAM_EXAMPLES,
        "import_response_success",
        "import_response_ad_error",
        *(f"import_response_code_minus_{-code}" for code in CODES),
        "status_request",
        "status_insert_pending",
        "status_insert_queued",
        "status_edit_queued",
        "status_insert_accepted",
        "status_edit_accepted",
        "status_insert_refused",
        "status_edit_refused",
        "status_delete_accepted",
        *CATALOGUE,
        "published_ads",
        "oauth_token_success",
        "oauth_token_error",
        "oauth_basic_user_info",
    }
    assert replayed == set(EXAMPLES)


# --- §2.6 / §2.9: the import requests -------------------------------------------------------------


async def test_the_two_inserts_one_delete_file_is_refused_as_the_seed_tables_say(world: World) -> None:
    me = await integrator(world)
    request = with_token(example("import_request_two_inserts_one_delete")["request"], me)
    response = await world.http.put("/autoupload/import", json=request, headers={"Host": BR_HOST})
    assert response.json() == {
        "token": None,
        "statusCode": -4,
        "statusMessage": "An ad had problems on import",
        "errors": [
            {
                "id": "5555555555",
                "status": "error",
                "messages": [
                    {"car_features": "ERROR_UNKNOWN_CAR_FEATURES"},  # "2" was removed (§2.9.1.1)
                    {"vehicle_model": "ERROR_VEHICLE_MODEL_INVALID"},  # model 6 is AUDI's, not AGRALE's
                    {"vehicle_version": "ERROR_VEHICLE_VERSION_INVALID"},  # version 2 is the A1's
                ],
            },
            {
                "id": "666666666",
                "status": "error",
                "messages": [
                    {"car_features": "ERROR_UNKNOWN_CAR_FEATURES"},
                    {"vehicle_brand": "ERROR_VEHICLE_BRAND_MISSING"},  # required by §2.9.1.1
                ],
            },
        ],
    }
    mended = request
    for ad in mended["ad_list"][:2]:
        ad["params"].update(
            {"vehicle_brand": "6", "vehicle_model": "3", "vehicle_version": "2", "car_features": ["1"]}
        )
    response = await world.http.put("/autoupload/import", json=mended, headers={"Host": BR_HOST})
    assert response.json()["statusCode"] == 0
    status = await me.status(response.json()["token"])
    assert [(k, v["operation"]) for k, v in status["ads"].items()] == [
        ("5555555555", "insert"),
        ("666666666", "insert"),
        ("444444444", "delete"),
    ]
    await run_jobs(world)
    status = await me.status(response.json()["token"])
    assert [v["status"] for v in status["ads"].values()] == ["accepted", "accepted", "error"]


async def test_the_minimal_car_lacks_what_the_table_requires(world: World) -> None:
    me = await integrator(world)
    request = with_token(example("import_request_minimal_car")["request"], me)
    response = await world.http.put("/autoupload/import", json=request, headers={"Host": BR_HOST})
    assert response.json()["errors"] == [
        {
            "id": "5555555555",
            "status": "error",
            "messages": [{"gearbox": "ERROR_GEARBOX_MISSING"}, {"mileage": "ERROR_MILEAGE_MISSING"}],
        }
    ]
    request["ad_list"][0]["params"].update({"gearbox": "1", "mileage": "30000"})
    response = await world.http.put("/autoupload/import", json=request, headers={"Host": BR_HOST})
    assert response.json()["statusCode"] == 0


PARAM_EXAMPLES = {
    "params_2060_motos": ("2060", "s"),
    "params_1020_apartamentos": ("1020", "u"),
    "params_1040_casas": ("1040", "s"),
    "params_1080_temporada": ("1080", "u"),
    "params_1100_terrenos": ("1100", "s"),
    "params_1120_lojas": ("1120", "u"),
    "params_1140_lancamentos": ("1140", "s"),
}


@pytest.mark.parametrize("name", list(PARAM_EXAMPLES))
async def test_the_params_of_each_category_example_are_taken(world: World, name: str) -> None:
    me = await integrator(world)
    category, offer = PARAM_EXAMPLES[name]
    fragment = example(name)["request"]
    ad = apartment_ad(unique("p")[-19:], category=int(category), type=offer, **fragment)
    body = (await me.put_import([ad])).json()
    assert body["statusCode"] == 0, body
    await run_jobs(world)
    status = await me.status(body["token"])
    assert [v["status"] for v in status["ads"].values()] == ["accepted"]


async def test_the_car_params_example_needs_the_same_mending(world: World) -> None:
    me = await integrator(world)
    fragment = example("params_2020_carros")["request"]
    body = (await me.put_import([car_ad(**fragment)])).json()
    assert body["statusCode"] == -4
    fragment["params"].update({"vehicle_brand": "6", "vehicle_model": "3", "car_features": ["1"]})
    assert (await me.put_import([car_ad(**fragment)])).json()["statusCode"] == 0


async def test_the_legacy_values_pass_when_the_operator_accepts_them(world: World) -> None:
    from pazar.services.autoupload.site_data import convert

    converted = convert(site_directory(), {"rules": {"autoupload_legacy_values": True}})
    cars = next(c for c in converted["categories"] if c["id"] == 2020)
    assert {"1", "2"} <= {
        v["code"] for a in cars["attributes"] if a["code"] == "car_features" for v in a["values"]
    }


# --- §2.7: import answers --------------------------------------------------------------------------


def token_free(body: dict[str, Any]) -> dict[str, Any]:
    return {**body, "token": "<token>" if body["token"] else None}


async def test_the_success_answer(world: World) -> None:
    me = await integrator(world)
    body = (await me.put_import([car_ad()])).json()
    assert re.fullmatch(r"[0-9a-f]{40}", body["token"])
    assert token_free(body) == token_free(example("import_response_success")["response"])


async def test_the_error_answer_is_the_seeds_own(world: World) -> None:
    me = await integrator(world)
    body = (await me.put_import([car_ad("5555555555", category=1)])).json()
    assert body == example("import_response_ad_error")["response"]


CODES = [-1, -2, -3, -5, -6, -7, -8]


@pytest.mark.parametrize("code", CODES)
async def test_the_answers_built_from_the_code_table(
    world: World, code: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = example(f"import_response_code_minus_{-code}")["response"]
    settings = world.app.runtime.settings
    me = await integrator(world)
    ads = [car_ad("a1")]
    if code == -1:
        from pazar.services.autoupload import imports

        async def broken(*args: Any, **kwargs: Any) -> Any:
            raise RuntimeError("boom")

        monkeypatch.setattr(imports, "submit", broken)
    elif code == -2:
        settings.autoupload_rate_limit = 1
        await me.imported([car_ad("a0")])
    elif code == -3:
        ads = []
    elif code == -5:
        settings.autoupload_enabled = False
    elif code == -6:
        me.token = "0" * 40
    elif code in (-7, -8):
        settings.autoupload_slots = 1
        if code == -7:
            await me.imported([car_ad("a0")])
        else:
            ads = [car_ad("a1"), car_ad("a2"), car_ad("a3")]
    body = (await me.put_import(ads)).json()
    expected["statusMessage"] = (
        expected["statusMessage"]
        .replace("<n>", "3" if code == -8 else "1")
        .replace("<f>", "1" if code == -8 else "0")
    )
    expected["statusMessage"] = expected["statusMessage"].replace("<t>", "a2, a3")
    assert token_free(body) == token_free(expected)


# --- §3: the status of an import ------------------------------------------------------------------


def normalized(body: dict[str, Any], list_id: str | None, url: str | None) -> dict[str, Any]:
    """The seed's example with pazar's advert id where it has its sample ones."""
    out = copy.deepcopy(body)
    for ad in out["ads"].values():
        if "list_id" in ad:
            ad["list_id"] = list_id
        if "url" in ad:
            ad["url"] = url
        if ad["status"] == "accept":  # §3.5.2.1.1 "edição ativada": the table's value is accepted
            ad["status"] = "accepted"
    return out


async def test_the_status_examples(world: World) -> None:
    world.app.runtime.settings.public_url = "http://www.olx.com.br"
    me = await integrator(world)
    request = example("status_request")["request"]
    token = await me.imported([car_ad("1111111111")])
    path = f"/autoupload/import/{token}"
    assert (await me.post(path, with_token(request, me))).json() == example("status_insert_pending")[
        "response"
    ]
    await only(world, IMPORT)
    assert await me.status(token) == example("status_insert_queued")["response"]
    await only(world, REVIEW)
    accepted = await me.status(token)
    url = accepted["ads"]["1111111111"]["url"]
    list_id = re.fullmatch(r"http://www\.olx\.com\.br/vi/(\d+)\.htm", url).group(1)  # type: ignore[union-attr]
    assert accepted == normalized(example("status_insert_accepted")["response"], None, url)

    edit = await me.imported([car_ad("1111111111", subject="Audi A1 revisado")])
    await only(world, IMPORT)
    assert await me.status(edit) == normalized(example("status_edit_queued")["response"], list_id, None)
    await only(world, REVIEW)
    assert await me.status(edit) == normalized(example("status_edit_accepted")["response"], list_id, None)

    refused_edit = await me.imported([car_ad("1111111111", subject="Audi A1 com drogas")])
    await run_jobs(world)
    assert await me.status(refused_edit) == example("status_edit_refused")["response"]

    delete = await me.imported([{"id": "1111111111", "operation": "delete"}])
    await run_jobs(world)
    assert await me.status(delete) == example("status_delete_accepted")["response"]

    refused = await me.imported([car_ad("1111111111", subject="Vendo cocaína")])
    await run_jobs(world)
    assert await me.status(refused) == example("status_insert_refused")["response"]


# --- §4: catalogues -----------------------------------------------------------------------------

CATALOGUE = {
    "car_info_brands": "/autoupload/car_info",
    "car_info_models_audi": "/autoupload/car_info/6",
    "car_info_versions_audi_model_3": "/autoupload/car_info/6/3",
    "moto_info_brands": "/autoupload/moto_info",
    "moto_info_models_yamaha": "/autoupload/moto_info/7",
    "moto_info_versions_yamaha_fazer": "/autoupload/moto_info/7/6",
    "moto_cubiccms_info": "/autoupload/moto_cubiccms_info",
}


@pytest.mark.parametrize("name", list(CATALOGUE))
async def test_the_catalogue_examples(world: World, name: str) -> None:
    me = await integrator(world)
    seen = example(name)
    assert seen["path"] == CATALOGUE[name]
    response = await me.post(CATALOGUE[name], with_token(seen["request"], me))
    assert response.status_code == 200
    body = response.json()
    expected = seen["response"]
    if seen["partial_response"]:
        assert body["status"] == "ok"
        assert list(body["data"].items())[: len(expected["data"])] == list(expected["data"].items())
        assert len(body["data"]) > len(expected["data"]) or name == "car_info_models_audi"
    else:
        assert body == expected


async def test_the_seeds_verbatim_requests_with_their_trailing_comma(world: World) -> None:
    me = await integrator(world)
    verbatim = f'{{\n"access_token":"{me.token}"\n,\n}}'
    response = await world.http.post(
        "/autoupload/moto_cubiccms_info",
        content=verbatim,
        headers={"Host": BR_HOST, "Content-Type": "application/json"},
    )
    assert response.json() == example("moto_cubiccms_info")["response"]


# --- §5: published ads ----------------------------------------------------------------------------


async def test_the_published_example(world: World) -> None:
    me = await integrator(world)
    seen = example("published_ads")
    assert (await me.post(seen["path"], with_token(seen["request"], me))).json() == []
    await me.imported([car_ad("original-id-01"), car_ad("original-id-02")])
    await run_jobs(world)
    body = (await me.post(seen["path"], with_token(seen["request"], me))).json()
    assert [ad["id"] for ad in body] == [ad["id"] for ad in seen["response"]]
    assert all(set(ad) == {"id", "list_id"} and ad["list_id"].isdigit() for ad in body)


# --- §1 (digest A.1): OAuth ---------------------------------------------------------------------


async def test_the_oauth_examples(world: World) -> None:
    from support import BR_SCOPES, BR_SITE, br_code

    app = await world.partner_app(site=BR_SITE, scopes=BR_SCOPES, grants=["authorization_code"])
    user = await world.user(site=BR_SITE)
    form = example("oauth_token_success")["request"] | {
        "code": await br_code(world, app, user),
        "client_id": app.client_id,
        "client_secret": app.client_secret,
        "redirect_uri": app.redirect_uri,
    }
    body = (await world.http.post("/oauth/token", data=form, headers={"Host": "auth.olx.com.br"})).json()
    assert {**body, "access_token": "t"} == {
        **example("oauth_token_success")["response"],
        "access_token": "t",
    }
    again = await world.http.post("/oauth/token", data=form, headers={"Host": "auth.olx.com.br"})
    assert again.json() == example("oauth_token_error")["response"]
    info = await world.http.post(
        "/oauth_api/basic_user_info",
        json=example("oauth_basic_user_info")["request"] | {"access_token": body["access_token"]},
        headers={"Host": BR_HOST},
    )
    assert set(info.json()) == set(example("oauth_basic_user_info")["response"])
