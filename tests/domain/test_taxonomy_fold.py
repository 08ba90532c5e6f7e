"""``fold``: lower case without diacritics, the same as NFKD minus combining marks, character by character."""

from __future__ import annotations

import random
import unicodedata

from pazar.domain.taxonomy import fold


def _by_definition(text: str) -> str:
    text = text.lower().replace("ł", "l")
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def test_fold_examples() -> None:
    assert fold("Łódź") == "lodz"
    assert fold("São Paulo, AÇÃO") == "sao paulo, acao"
    assert fold("ﬁat ½ ㎏") == "fiat 1⁄2 kg"  # compatibility forms too
    assert fold("e\u0301\u0327") == "e"  # marks after an ASCII letter go as well
    assert fold("plain ascii") == "plain ascii"


def test_fold_matches_its_definition_on_any_text() -> None:
    rnd = random.Random(7)
    for _ in range(3000):
        text = "".join(
            chr(rnd.choice([rnd.randrange(0x20, 0x80), rnd.randrange(0x80, 0x30000)]))
            for _ in range(rnd.randrange(1, 40))
        )
        assert fold(text) == _by_definition(text), text
