"""Sandbox controls from the command line: the same use cases as ``/_pazar/v1``, on the database.

``pazar clock show|advance 30d|freeze|reset``, ``pazar moderation set|decide``, ``pazar faults
add|list|clear``, ``pazar requests [--follow]``, ``pazar snapshot save|list|restore``, ``pazar reset``.
A running server sees each change within a fraction of a second (the state is in the database).
"""

from __future__ import annotations

import asyncio
import json
import re
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

import typer

from pazar.cli.common import JsonOpt, app, run
from pazar.domain.errors import DomainError
from pazar.services.runtime import Runtime

clock_app = typer.Typer(help="The sandbox clock.", no_args_is_help=True)
moderation_app = typer.Typer(help="Sandbox moderation: a site's mode, a decision.", no_args_is_help=True)
faults_app = typer.Typer(help="Injected faults.", no_args_is_help=True)
snapshot_app = typer.Typer(help="Snapshots of the whole marketplace.", no_args_is_help=True)
app.add_typer(clock_app, name="clock")
app.add_typer(moderation_app, name="moderation")
app.add_typer(faults_app, name="faults")
app.add_typer(snapshot_app, name="snapshot")

_DURATION = re.compile(r"^(\d+(?:\.\d+)?)([smhdw]?)$")
_UNITS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86_400, "w": 604_800}


class SandboxOff(DomainError):
    code = "sandbox_off"


def parse_duration(text: str) -> timedelta:
    """``90``, ``90s``, ``15m``, ``2h``, ``30d``, ``1w``."""
    found = _DURATION.match(text.strip().lower())
    if not found:
        raise typer.BadParameter(f"not a duration: {text!r} (e.g. 90s, 15m, 2h, 30d)")
    return timedelta(seconds=float(found.group(1)) * _UNITS[found.group(2)])


def _sandbox(rt: Runtime) -> Any:
    from pazar.services.sandbox.clock import SandboxClock

    if not isinstance(rt.clock, SandboxClock):
        raise SandboxOff("The sandbox is off (PAZAR_SANDBOX=false)")
    return rt.clock


def _print(value: Any, as_json: bool, text: str) -> None:
    typer.echo(json.dumps(value, ensure_ascii=False) if as_json else text)


# --- clock ----------------------------------------------------------------------------------------


def _clock_line(state: dict[str, Any]) -> str:
    return f"now={state['now']} offset={state['offset_seconds']}s frozen={str(state['frozen']).lower()}"


@clock_app.command("show")
def clock_show(json_out: JsonOpt = False) -> None:
    """The sandbox's current time."""
    from pazar.services.sandbox import clock as sandbox_clock

    async def work(rt: Runtime) -> dict[str, Any]:
        clock = _sandbox(rt)
        await clock.refresh(rt.db, force=True)
        return sandbox_clock.describe(clock)

    state = run(work)
    _print(state, json_out, _clock_line(state))


@clock_app.command("advance")
def clock_advance(
    duration: Annotated[str, typer.Argument(help="How far: 90s, 15m, 2h, 30d, 1w.")],
    json_out: JsonOpt = False,
) -> None:
    """Move time forward, running every job and webhook retry that falls due on the way."""
    from pazar.services.sandbox import clock as sandbox_clock
    from pazar.services.sandbox import timetravel
    from pazar.worker import run_due

    by = parse_duration(duration)
    if by <= timedelta(0) or by > sandbox_clock.MAX_ADVANCE:
        raise typer.BadParameter("the duration must be positive and at most ten years")

    async def work(rt: Runtime) -> dict[str, Any]:
        clock = _sandbox(rt)
        ran = await timetravel.advance(rt, by, run_due)
        return {**sandbox_clock.describe(clock), "jobs_run": ran}

    state = run(work)
    _print(state, json_out, _clock_line(state) + f" jobs_run={state['jobs_run']}")


@clock_app.command("freeze")
def clock_freeze(
    at: Annotated[str | None, typer.Option(help="The moment, ISO 8601 with a zone (default: now).")] = None,
    json_out: JsonOpt = False,
) -> None:
    """Stop the clock (``advance`` still moves it)."""
    from pazar.services.sandbox import clock as sandbox_clock

    moment: datetime | None = None
    if at is not None:
        try:
            moment = datetime.fromisoformat(at.replace("Z", "+00:00"))
        except ValueError as exc:
            raise typer.BadParameter(f"not an ISO 8601 time: {at!r}") from exc
        if moment.tzinfo is None:
            raise typer.BadParameter("the time needs a zone, e.g. 2027-01-01T00:00:00Z")
        moment = moment.astimezone(UTC)

    async def work(rt: Runtime) -> dict[str, Any]:
        clock = _sandbox(rt)
        async with rt.db.transaction() as session:
            await sandbox_clock.freeze(session, clock, moment)
        return sandbox_clock.describe(clock)

    state = run(work)
    _print(state, json_out, _clock_line(state))


@clock_app.command("reset")
def clock_reset(json_out: JsonOpt = False) -> None:
    """Back to real time, running."""
    from pazar.services.sandbox import clock as sandbox_clock

    async def work(rt: Runtime) -> dict[str, Any]:
        clock = _sandbox(rt)
        async with rt.db.transaction() as session:
            await sandbox_clock.reset(session, clock)
        return sandbox_clock.describe(clock)

    state = run(work)
    _print(state, json_out, _clock_line(state))


# --- moderation -----------------------------------------------------------------------------------


@moderation_app.command("set")
def moderation_set(
    mode: Annotated[str, typer.Argument(help="rules, manual, accept_all or reject_all.")],
    site: Annotated[str | None, typer.Option(help="One site (default: every site).")] = None,
    delay: Annotated[float | None, typer.Option("--delay", help="Seconds before moderation.")] = None,
    json_out: JsonOpt = False,
) -> None:
    """Set how new adverts are moderated."""
    from pazar.domain.moderation import MODES
    from pazar.services.sandbox import moderation_control

    if mode not in MODES:
        raise typer.BadParameter(f"mode is one of {', '.join(MODES)}")
    if delay is not None and not 0 <= delay <= 86_400 * 365:
        raise typer.BadParameter("the delay is 0 to 365 days in seconds")

    async def work(rt: Runtime) -> list[dict[str, Any]]:
        _sandbox(rt)
        async with rt.db.transaction() as session:
            return await moderation_control.set_mode(
                session, rt, site_id=site, mode=mode, delay_seconds=delay
            )

    sites = run(work)
    _print(
        {"sites": sites},
        json_out,
        "\n".join(f"{s['site']}: mode={s['mode']} delay={s['delay_seconds']}s" for s in sites),
    )


@moderation_app.command("decide")
def moderation_decide(
    ref: Annotated[str, typer.Argument(help="The advert: a v2 id or an RE uuid.")],
    decision: Annotated[
        str, typer.Argument(help="accept, reject, block, remove, disable, unconfirm or unpaid.")
    ],
    reason: Annotated[str | None, typer.Option(help="Reason code, e.g. rules, scam.")] = None,
    description: Annotated[str | None, typer.Option(help="Text shown to the owner.")] = None,
    json_out: JsonOpt = False,
) -> None:
    """A moderator's decision on one advert (events and webhooks as for any decision)."""
    from pazar.services.sandbox import moderation_control

    if decision not in moderation_control.DECISIONS:
        raise typer.BadParameter(f"decision is one of {', '.join(moderation_control.DECISIONS)}")

    async def work(rt: Runtime) -> dict[str, Any]:
        _sandbox(rt)
        async with rt.db.transaction() as session:
            advert = await moderation_control.decide(
                session, rt, ref=ref, decision=decision, reason=reason, description=description
            )
            return {"id": advert.id, "uuid": advert.uuid, "status": advert.status}

    result = run(work)
    _print(result, json_out, f"advert {result['id']} ({result['uuid']}) is {result['status']}")


# --- faults ---------------------------------------------------------------------------------------


@faults_app.command("add")
def faults_add(
    status: Annotated[int | None, typer.Option(help="429, 500, 502, 503 or 504.")] = None,
    path: Annotated[
        str | None, typer.Option(help="A path prefix or template (/api/partner/adverts/{id}).")
    ] = None,
    method: Annotated[str | None, typer.Option(help="Only this method.")] = None,
    site: Annotated[str | None, typer.Option(help="Only this site.")] = None,
    client_id: Annotated[str | None, typer.Option(help="Only this partner app.")] = None,
    retry_after: Annotated[int | None, typer.Option(help="Retry-After seconds.")] = None,
    delay_ms: Annotated[int | None, typer.Option(help="Added latency.")] = None,
    drop: Annotated[bool, typer.Option("--drop", help="Drop the connection.")] = False,
    times: Annotated[int | None, typer.Option(help="Apply to this many calls.")] = None,
    probability: Annotated[float | None, typer.Option(help="Apply with this probability.")] = None,
    seed: Annotated[int | None, typer.Option(help="Seed of the probability's draws.")] = None,
    json_out: JsonOpt = False,
) -> None:
    """Add a fault: matching calls get an error, a delay or a dropped connection."""
    from pydantic import ValidationError

    from pazar.dialects.sandbox.routes_faults import NewFault
    from pazar.services.sandbox import faults

    raw: dict[str, Any] = {
        "match": {"path": path, "method": method, "site": site, "client_id": client_id},
        "effect": {"status": status, "retry_after": retry_after, "delay_ms": delay_ms, "drop": drop},
        "times": times,
        "probability": probability,
        "seed": seed,
    }
    try:
        command = NewFault.model_validate(raw)
    except ValidationError as exc:
        typer.echo(f"error: {exc.errors(include_url=False)[0]['msg']}", err=True)
        raise typer.Exit(2) from exc
    spec = command.model_dump(mode="json", exclude_none=True)

    async def work(rt: Runtime) -> dict[str, Any]:
        _sandbox(rt)
        async with rt.db.transaction() as session:
            row = await faults.add(session, spec=spec, now=rt.clock.now())
            return faults.describe(row)

    added = run(work)
    _print(added, json_out, f"fault {added['id']} added")


@faults_app.command("list")
def faults_list(json_out: JsonOpt = False) -> None:
    """The faults in force."""
    from pazar.services.sandbox import faults

    async def work(rt: Runtime) -> list[dict[str, Any]]:
        _sandbox(rt)
        async with rt.db.transaction() as session:
            return [faults.describe(row) for row in await faults.listing(session)]

    rows = run(work)
    _print(
        {"faults": rows},
        json_out,
        "\n".join(
            f"{r['id']:>5} match={json.dumps(r['match'])} effect={json.dumps(r['effect'])} "
            f"remaining={r['remaining']} hits={r['hits']}"
            for r in rows
        )
        or "no faults",
    )


@faults_app.command("clear")
def faults_clear(
    fault_id: Annotated[int | None, typer.Argument(help="One fault (default: all).")] = None,
    json_out: JsonOpt = False,
) -> None:
    """Remove one fault, or all."""
    from pazar.services.sandbox import faults

    async def work(rt: Runtime) -> int:
        _sandbox(rt)
        async with rt.db.transaction() as session:
            return await faults.remove(session, fault_id)

    deleted = run(work)
    _print({"deleted": deleted}, json_out, f"{deleted} fault(s) removed")


# --- journal --------------------------------------------------------------------------------------


def _call_line(call: dict[str, Any]) -> str:
    return (
        f"{call['at']} {call['status']} {call['method']} {call['path']}"
        f"{'?' + call['query'] if call['query'] else ''} {call['dialect']} "
        f"client={call['client_id'] or '-'} {call['latency_ms']}ms"
    )


@app.command("requests")
def requests_command(
    method: Annotated[str | None, typer.Option(help="Only this method.")] = None,
    path: Annotated[str | None, typer.Option(help="Only paths starting so.")] = None,
    status: Annotated[int | None, typer.Option(help="Only this status.")] = None,
    client_id: Annotated[str | None, typer.Option(help="Only this partner app.")] = None,
    limit: Annotated[int, typer.Option(help="How many, newest first.")] = 50,
    follow: Annotated[bool, typer.Option("--follow", "-f", help="Keep printing new calls.")] = False,
    json_out: JsonOpt = False,
) -> None:
    """The request journal: recent API calls (secrets redacted)."""
    from pazar.services.sandbox import journal

    filters: dict[str, Any] = {"method": method, "path": path, "status": status, "client_id": client_id}

    async def work(rt: Runtime) -> None:
        _sandbox(rt)
        async with rt.db.sessions() as session:
            calls = await journal.search(session, **filters, limit=limit)
        last = max((c["id"] for c in calls), default=0)
        for call in reversed(calls):
            typer.echo(json.dumps(call, ensure_ascii=False) if json_out else _call_line(call))
        while follow:
            await asyncio.sleep(0.5)
            async with rt.db.sessions() as session:
                fresh = [c for c in await journal.search(session, **filters, limit=1000) if c["id"] > last]
            for call in reversed(fresh):
                typer.echo(json.dumps(call, ensure_ascii=False) if json_out else _call_line(call))
                last = max(last, call["id"])

    run(work)


# --- state ----------------------------------------------------------------------------------------


@snapshot_app.command("save")
def snapshot_save(
    name: Annotated[str, typer.Argument(help="The snapshot's name.")], json_out: JsonOpt = False
) -> None:
    """Save the whole marketplace under ``name`` (replacing a snapshot of that name)."""
    from pazar.dialects.sandbox.routes_state import NAME
    from pazar.services.sandbox import state

    if not re.match(NAME, name) or len(name) > 100:
        raise typer.BadParameter("letters, digits, '.', '_' and '-' (at most 100)")

    async def work(rt: Runtime) -> dict[str, Any]:
        _sandbox(rt)
        async with rt.db.transaction() as session:
            return await state.save(session, name=name, now=rt.clock.now())

    saved = run(work)
    _print(saved, json_out, f"saved {saved['name']} ({saved['size_bytes']} bytes)")


@snapshot_app.command("list")
def snapshot_list(json_out: JsonOpt = False) -> None:
    """The saved snapshots."""
    from pazar.services.sandbox import state

    async def work(rt: Runtime) -> list[dict[str, Any]]:
        _sandbox(rt)
        async with rt.db.transaction() as session:
            return await state.listing(session)

    rows = run(work)
    _print(
        {"snapshots": rows},
        json_out,
        "\n".join(f"{r['name']}  {r['created_at']}  {r['size_bytes']} bytes" for r in rows) or "no snapshots",
    )


@snapshot_app.command("restore")
def snapshot_restore(
    name: Annotated[str, typer.Argument(help="The snapshot.")], json_out: JsonOpt = False
) -> None:
    """Bring the marketplace back to the snapshot."""
    from pazar.services.sandbox import state

    async def work(rt: Runtime) -> dict[str, int]:
        _sandbox(rt)
        async with rt.db.transaction() as session:
            return await state.restore(session, rt, name=name)

    rows = run(work)
    _print({"restored": name, "rows": rows}, json_out, f"restored {name} ({sum(rows.values())} rows)")


@app.command("reset")
def reset_command(json_out: JsonOpt = False) -> None:
    """Back to the freshly seeded marketplace: no faults, an empty journal, real time."""
    from pazar.services.sandbox import state
    from pazar.services.secrets_store import server_secret_key

    async def work(rt: Runtime) -> list[dict[str, Any]]:
        _sandbox(rt)
        async with rt.db.transaction() as session:
            rt.secret_key = await server_secret_key(session, rt.settings.secret_key)
            creds = await state.reset(session, rt)
            return [{"site": c.site_id, "users": c.users, "app": c.app} for c in creds]

    demo = run(work)
    _print({"reset": True, "demo": demo}, json_out, "reset: " + ", ".join(d["site"] for d in demo))
