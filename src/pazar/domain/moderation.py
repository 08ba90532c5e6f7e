"""Automatic moderation: a configurable rule set, deterministic for the same advert.

Rules, strongest first: banned words block an advert (illegal goods), scam
signals block it when enough of them add up (advance payment, money transfer
services, foreign messenger-only contact, an implausibly low price), and
"fixable" patterns send it back to the owner as ``moderated``. Anything else is
accepted. A rule may also ask for a human (``hold``): the advert stays ``new``
until ``pazar moderate`` decides.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pazar.domain.lifecycle import Action
from pazar.domain.markers import marker_in
from pazar.domain.taxonomy import fold

DEFAULT_BANNED = (
    "narkotyki",
    "amfetamina",
    "marihuana",
    "kokaina",
    "broń palna",
    "pistolet bez pozwolenia",
    "fałszywe dokumenty",
    "podrabiane",
    "replika",
    "drugs",
    "cocaine",
    "counterfeit",
    "fake passport",
)
DEFAULT_SCAM = (
    "western union",
    "moneygram",
    "przedpłata",
    "przedplata",
    "zaliczka z góry",
    "płatność z góry",
    "wyślę kurierem po wpłacie",
    "tylko whatsapp",
    "only whatsapp",
    "whatsapp only",
    "kontakt tylko przez whatsapp",
    "advance payment",
    "pay in advance",
    "bitcoin",
    "gift card",
    "pagamento antecipado",
)
DEFAULT_FIXABLE = ("hurtowo", "wholesale", "lista cen", "price list", "kupię", "zamienię na")


@dataclass(frozen=True, slots=True)
class ModerationRules:
    banned: tuple[str, ...] = DEFAULT_BANNED
    scam_phrases: tuple[str, ...] = DEFAULT_SCAM
    fixable: tuple[str, ...] = DEFAULT_FIXABLE
    scam_threshold: int = 2  # signals needed to block as scam
    suspicious_phone_prefixes: tuple[str, ...] = ("+234", "+233", "+229", "+225", "00234", "+44 7")
    min_plausible_price: float | None = None  # per category, e.g. cars
    hold_for_review: bool = False  # every advert waits for a human
    # "rules" (the rule set), or a sandbox's override: "manual", "accept_all", "reject_all".
    mode: str = "rules"
    markers: bool = False  # sandbox mode: magic values in the text decide (``domain.markers``)

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> ModerationRules:
        defaults = cls()
        return cls(
            banned=tuple(config.get("banned", defaults.banned)),
            scam_phrases=tuple(config.get("scam_phrases", defaults.scam_phrases)),
            fixable=tuple(config.get("fixable", defaults.fixable)),
            scam_threshold=int(config.get("scam_threshold", defaults.scam_threshold)),
            suspicious_phone_prefixes=tuple(
                config.get("suspicious_phone_prefixes", defaults.suspicious_phone_prefixes)
            ),
            min_plausible_price=config.get("min_plausible_price"),
            hold_for_review=bool(config.get("hold_for_review", False)),
            mode=str(config.get("mode", "rules")),
            markers=bool(config.get("markers", False)),
        )


@dataclass(frozen=True, slots=True)
class Verdict:
    action: Action | None  # None: hold for a human
    reason: str | None = None
    description: str | None = None


MODES = ("rules", "manual", "accept_all", "reject_all")
MODE_VERDICTS = {
    "manual": Verdict(None, "review", "Waiting for a moderator"),
    "accept_all": Verdict(Action.ACCEPT),
    "reject_all": Verdict(Action.REJECT, "rules", "Rejected by the sandbox (moderation mode reject_all)"),
}


@functools.lru_cache(maxsize=64)
def _matcher(phrases: tuple[str, ...]) -> re.Pattern[str] | None:
    """One alternation per phrase list (moderation runs for every advert: compile once)."""
    if not phrases:
        return None
    alternatives = "|".join(re.escape(fold(p)) for p in sorted(phrases, key=len, reverse=True))
    return re.compile(r"(?<!\w)(" + alternatives + r")(?!\w)")


def _phrases_in(folded: str, phrases: Sequence[str]) -> list[str]:
    """The phrases found in a text already passed through ``fold``."""
    matcher = _matcher(tuple(phrases))
    if matcher is None:
        return []
    return list(dict.fromkeys(m.group(1) for m in matcher.finditer(folded)))


def moderate(
    *,
    title: str,
    description: str,
    phone: str | None,
    price: float | None,
    rules: ModerationRules,
) -> Verdict:
    if rules.markers:
        found = marker_in(title, description)
        if found is not None:
            _, action, reason, note = found
            return Verdict(action, reason, note)
    if rules.mode in MODE_VERDICTS:
        return MODE_VERDICTS[rules.mode]
    text = fold(f"{title}\n{description}")  # once for the three phrase lists
    banned = _phrases_in(text, rules.banned)
    if banned:
        return Verdict(Action.BLOCK, "illegal", f"Prohibited item: {banned[0]}")
    signals = _phrases_in(text, rules.scam_phrases)
    compact_phone = (phone or "").replace(" ", "")
    if any(compact_phone.startswith(p.replace(" ", "")) for p in rules.suspicious_phone_prefixes):
        signals.append("foreign contact number")
    if rules.min_plausible_price is not None and price is not None and 0 < price < rules.min_plausible_price:
        signals.append("implausibly low price")
    if len(signals) >= rules.scam_threshold:
        return Verdict(Action.BLOCK, "scam", "Suspected scam: " + ", ".join(signals))
    fixable = _phrases_in(text, rules.fixable)
    if fixable:
        return Verdict(Action.REJECT, "rules", f"Not allowed in this category: {fixable[0]}")
    if signals or rules.hold_for_review:
        return Verdict(
            None, "review", "Waiting for a moderator" + (": " + ", ".join(signals) if signals else "")
        )
    return Verdict(Action.ACCEPT)
