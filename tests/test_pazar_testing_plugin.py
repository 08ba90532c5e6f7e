"""The pytest plugin as an integrator uses it: a sample suite run by pytester, in its own process,
against a real pazar server, through the fixtures and the public clients only."""

from __future__ import annotations

import pytest

pytest_plugins = ["pytester"]

SAMPLE = """
import asyncio

import httpx
import pytest

from pazar.testing import AsyncSandboxClient, ControlError


def v2_token(server, demo):
    app = demo["olx.pl"].app
    answer = httpx.post(
        server.base_url + "/api/open/oauth/token",
        json={"grant_type": "client_credentials", "client_id": app["client_id"], "client_secret": app["client_secret"]},
    )
    assert answer.status_code == 200, answer.text
    return {"Version": "2.0", "Authorization": "Bearer " + answer.json()["access_token"]}


def test_a_429_then_the_retry_succeeds(pazar, pazar_server, pazar_demo):
    headers = v2_token(pazar_server, pazar_demo)
    pazar.add_fault(path="/api/partner/categories", status=429, retry_after=1, times=1)
    url = pazar_server.base_url + "/api/partner/categories"
    first = httpx.get(url, headers=headers)
    assert first.status_code == 429 and first.headers["retry-after"] == "1"
    assert httpx.get(url, headers=headers).status_code == 200
    calls = pazar.requests(path="/api/partner/categories")
    assert [c["status"] for c in calls] == [200, 429]
    assert all(c["client_id"] == pazar_demo["olx.pl"].app["client_id"] for c in calls)


def test_each_test_starts_clean_and_time_moves(pazar):
    assert pazar.faults() == [] and pazar.requests() == []
    assert abs(pazar.clock().offset_seconds) < 5
    moved = pazar.advance("31d")
    assert moved.offset_seconds >= 31 * 86400


def test_the_previous_test_left_nothing(pazar):
    assert abs(pazar.clock().offset_seconds) < 5


def test_a_dropped_connection(pazar, pazar_server, pazar_demo):
    headers = v2_token(pazar_server, pazar_demo)
    pazar.add_fault(path="/api/partner/categories", drop=True, times=1)
    with pytest.raises(httpx.TransportError):
        httpx.get(pazar_server.base_url + "/api/partner/categories", headers=headers)
    assert httpx.get(pazar_server.base_url + "/api/partner/categories", headers=headers).status_code == 200


def test_the_async_client_and_its_errors(pazar_server, pazar):
    async def go():
        async with AsyncSandboxClient(pazar_server.base_url, pazar_server.admin_key) as control:
            frozen = await control.freeze()
            assert frozen.frozen
            with pytest.raises(ControlError) as refused:
                await control.add_fault(status=404)
            assert refused.value.status == 422 and refused.value.code == "invalid"
            assert (await control.save_snapshot("mine"))["name"] == "mine"
            assert "mine" in [s["name"] for s in await control.snapshots()]

    asyncio.run(go())


def test_a_snapshot_of_the_integrators_own(pazar, pazar_server, pazar_demo):
    pazar.set_moderation("manual", site="olx.pl")
    pazar.save_snapshot("manual-moderation")
    pazar.set_moderation("rules")
    pazar.restore("manual-moderation")
    modes = {s["site"]: s["mode"] for s in pazar.set_moderation("manual", site="olx.pl")}
    assert modes == {"olx.pl": "manual"}
"""


def test_the_sample_suite_passes(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_sample=SAMPLE)
    result = pytester.runpytest_subprocess("-q", "-p", "no:cacheprovider", "-W", "ignore::DeprecationWarning")
    result.assert_outcomes(passed=6)
