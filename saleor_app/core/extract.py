"""Finding candidate codes in the free text a shopper sent.

The text is folded (NFKC, uppercase, Unicode digits to ASCII, O→0, I/L→1), then cut into
tokens: maximal runs of alphabet characters. Two neighbouring tokens are *joinable* when they
are separated by 1 to 3 spaces/dashes only, or when the first is the shop keyword glued to the
start of a word ("SHOPABCD1234"). A candidate is the concatenation of consecutive, pairwise
joinable tokens whose total length is exactly the code length; any other character (letters
outside the alphabet, punctuation) is a hard boundary, so "ABCD12345" yields nothing.
"""

from __future__ import annotations

import re
from functools import cache
from itertools import islice
from typing import NamedTuple

from saleor_app.core.alphabet import CodeAlphabet, alphabet_chars, fold_text
from saleor_app.core.spec import CodeSpec

MAX_CANDIDATES = 16
MAX_GAP = 3
JOINERS = " -\t\u2010\u2011\u2012\u2013\u2014\u2212"


class _Token(NamedTuple):
    text: str
    position: int
    joins_previous: bool
    glued: bool


def extract_candidates(text: str, spec: CodeSpec) -> list[str]:
    """Normalised codes of `spec` written in `text`, most code-like first, at most 16.

    Ranked: not starting with the keyword, fewer separated parts, with a digit, earlier."""
    keyword = fold_text(spec.keyword)
    tokens = _tokens(fold_text(text), spec.alphabet, keyword)
    found: list[tuple[tuple[bool, int, bool, int], str]] = []
    length = spec.length
    for start, first in enumerate(tokens):
        total, parts, pieces = len(first.text), 1, [first.text]
        for token in islice(tokens, start + 1, None):
            if total >= length or not token.joins_previous:
                break
            total += len(token.text)
            parts += 0 if token.glued else 1
            pieces.append(token.text)
        if total == length:
            code = "".join(pieces)
            starts_with_keyword = bool(keyword) and first.text == keyword
            found.append(((starts_with_keyword, parts, code.isalpha(), first.position), code))
    ranked = [code for _, code in sorted(found)]
    return list(dict.fromkeys(ranked))[:MAX_CANDIDATES]


def _tokens(folded: str, alphabet: CodeAlphabet, keyword: str) -> list[_Token]:
    cuts = sorted(_keyword_cuts(folded, keyword))
    tokens: list[_Token] = []
    previous_end = 0
    for run in _runs(alphabet).finditer(folded):
        start, stop = run.span()
        ends = [cut for cut in cuts if start < cut < stop] + [stop] if cuts else (stop,)
        for end in ends:
            gap = folded[previous_end:start]
            glued = bool(tokens) and not gap
            joins = glued or (bool(tokens) and len(gap) <= MAX_GAP and not gap.strip(JOINERS))
            tokens.append(_Token(folded[start:end], start, joins, glued))
            previous_end = start = end
    return tokens


@cache
def _runs(alphabet: CodeAlphabet) -> re.Pattern[str]:
    """Maximal runs of the alphabet's characters."""
    return re.compile(f"[{re.escape(alphabet_chars(alphabet))}]+")


def _keyword_cuts(folded: str, keyword: str) -> frozenset[int]:
    """Positions right after a keyword that starts a word and is followed by more of it."""
    if not keyword:
        return frozenset()
    cuts: set[int] = set()
    for word in re.finditer(r"[^\W_]+", folded):
        position = word.start()
        while folded.startswith(keyword, position) and position + len(keyword) < word.end():
            position += len(keyword)
            cuts.add(position)
    return frozenset(cuts)
