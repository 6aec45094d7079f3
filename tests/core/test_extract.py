"""Finding codes in free shopper text: examples and properties."""

from __future__ import annotations

import re

import pytest
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from saleor_app.core.alphabet import alphabet_chars, fold_text
from saleor_app.core.codes import CodeAlphabet, CodeSpec, extract_candidates
from saleor_app.core.extract import JOINERS, MAX_CANDIDATES, MAX_GAP
from tests.core.test_codes import arabic_indic, fullwidth

CROCKFORD = CodeSpec()
SHOP = CodeSpec(keyword="SHOP")
DIGITS = CodeSpec(length=8, alphabet=CodeAlphabet.DIGITS)


@pytest.mark.parametrize(
    ("text", "spec"),
    [
        ("ABCD1234", CROCKFORD),
        ("abcd1234", CROCKFORD),
        ("abcd-1234", CROCKFORD),
        ("ABCD 1234", CROCKFORD),
        ("A B C D 1 2 3 4", CROCKFORD),
        ("abcd \u2013 1234", CROCKFORD),
        ("Hi! here is my code: ABCD1234 thanks, Marie", CROCKFORD),
        ("Hi! here is my code: abcd 1234 thanks, Marie", CROCKFORD),
        ("code:ABCD1234.", CROCKFORD),
        ("(ABCD1234)", CROCKFORD),
        (fullwidth("ABCD1234"), CROCKFORD),
        (fullwidth("abcd-1234"), CROCKFORD),
        ("SHOP ABCD1234", SHOP),
        ("shop abcd1234", SHOP),
        ("SHOPABCD1234", SHOP),
        ("shopabcd-1234", SHOP),
        ("ABCD1234", SHOP),
        ("Shop ABCD 1234\n-- Sent from my phone", SHOP),
        ("SHOP\nABCD1234", SHOP),
    ],
)
def test_finds_the_code(text: str, spec: CodeSpec) -> None:
    assert "ABCD1234" in extract_candidates(text, spec)


def test_single_word_code_ranks_first() -> None:
    assert extract_candidates("Hi here is my code ABCD1234 thanks", CROCKFORD)[0] == "ABCD1234"
    assert extract_candidates("SHOP ABCD 1234", SHOP)[0] == "ABCD1234"


def test_lookalikes_are_mapped() -> None:
    assert extract_candidates("AB0D-1234", CROCKFORD) == ["AB0D1234"]
    assert extract_candidates("abod-i234", CROCKFORD) == ["AB0D1234"]


@pytest.mark.parametrize(
    ("text", "spec"),
    [
        ("ABCD12345", CROCKFORD),
        ("XABCD1234", CROCKFORD),
        ("ABCD1234X", CROCKFORD),
        ("SHOPABCD12345", SHOP),
        ("MYABCD1234", SHOP),
        ("ABCD.1234", CROCKFORD),
        ("ABCD    1234", CROCKFORD),
        ("ABCD, 1234", CROCKFORD),
        ("ABCD123", CROCKFORD),
        ("", CROCKFORD),
        ("STOP", CROCKFORD),
    ],
)
def test_respects_word_boundaries(text: str, spec: CodeSpec) -> None:
    assert "ABCD1234" not in extract_candidates(text, spec)


def test_u_is_a_boundary() -> None:
    assert extract_candidates("UABCD1234U", CROCKFORD) == ["ABCD1234"]


def test_digits_alphabet() -> None:
    assert extract_candidates("1234 5678", DIGITS) == ["12345678"]
    assert extract_candidates("code: 1234-5678, merci", DIGITS) == ["12345678"]
    assert extract_candidates("code" + arabic_indic("12345678"), DIGITS) == ["12345678"]
    assert extract_candidates("123456789", DIGITS) == []
    assert extract_candidates("ABCD1234", DIGITS) == []


def test_digits_alphabet_with_keyword() -> None:
    spec = CodeSpec(length=8, alphabet=CodeAlphabet.DIGITS, keyword="SHOP")
    assert extract_candidates("shop12345678", spec) == ["12345678"]
    assert extract_candidates("SHOP 1234 5678", spec) == ["12345678"]


def test_candidates_are_bounded_and_unique() -> None:
    text = " ".join(f"AB{i:02d}CD{i:02d}" for i in range(40)) + " ABCD1234 ABCD1234"
    candidates = extract_candidates(text, CROCKFORD)
    assert len(candidates) == MAX_CANDIDATES
    assert len(set(candidates)) == len(candidates)


def test_long_text_is_fine() -> None:
    assert extract_candidates("x" * 70_000 + " ABCD1234", CROCKFORD) == ["ABCD1234"]


# Properties ------------------------------------------------------------------------------------

SPECS = st.builds(
    CodeSpec,
    length=st.integers(4, 16),
    alphabet=st.sampled_from(CodeAlphabet),
    keyword=st.sampled_from(["", "SHOP", "AB", "X7", "MAISON", "Q", "SHUP"]),
)
SEPARATORS = st.sampled_from([" ", "-", " - ", "\u2013", "  "])
NOISE_SEPARATORS = st.sampled_from([" ", ", ", "! ", "\n", ": ", " :) ", ". ", "\n-- "])
VOCABULARY = ["hi", "hello", "here", "is", "my", "code", "thanks", "merci", "Marie", "bonjour"]
NOISE_WORDS = st.one_of(
    st.sampled_from(VOCABULARY),
    st.text(st.characters(categories=["Ll", "Lu"]), min_size=1, max_size=10),
)


@st.composite
def spelled(draw: st.DrawFn, code: str) -> str:
    """The code as a shopper might type it: case, separators, full-width, other digits."""
    out: list[str] = []
    for index, char in enumerate(code):
        if index and draw(st.integers(0, 4)) == 0:
            out.append(draw(SEPARATORS))
        style = draw(st.sampled_from(["plain", "lower", "fullwidth", "arabic"]))
        if style == "lower":
            char = char.lower()
        elif style == "fullwidth":
            char = fullwidth(char)
        elif style == "arabic" and char.isdigit():
            char = arabic_indic(char)
        out.append(char)
    return "".join(out)


@st.composite
def messages(draw: st.DrawFn) -> tuple[CodeSpec, str, str]:
    spec = draw(SPECS)
    code = draw(st.text(alphabet_chars(spec.alphabet), min_size=spec.length, max_size=spec.length))
    body = draw(spelled(code))
    keyword = spec.keyword
    if keyword and draw(st.booleans()):
        case = draw(st.sampled_from([str.upper, str.lower, str.title]))
        body = case(keyword) + draw(st.sampled_from(["", " ", "\n"])) + body
    before = draw(st.lists(NOISE_WORDS, max_size=4))
    after = draw(st.lists(NOISE_WORDS, max_size=4))
    parts = [*before, body, *after]
    text = parts[0]
    for part in parts[1:]:
        text += draw(NOISE_SEPARATORS) + part
    return spec, code, text


@settings(max_examples=800)
@given(messages())
@example((CROCKFORD, "ABCD1234", "Hi! here is my code: abcd-1234 thanks, Marie"))
@example((SHOP, "ABCD1234", "shopABCD 1234"))
@example((CodeSpec(keyword="AB"), "ABAB1234", "ABABAB1234"))
def test_code_is_always_found(message: tuple[CodeSpec, str, str]) -> None:
    spec, code, text = message
    assert code in extract_candidates(text, spec)


def appears_in(candidate: str, folded: str) -> bool:
    joiner = "[" + re.escape("".join(sorted(JOINERS))) + "]"
    pattern = f"{joiner}{{0,{MAX_GAP}}}".join(re.escape(char) for char in candidate)
    return re.search(pattern, folded) is not None


@settings(max_examples=800)
@given(SPECS, st.one_of(st.text(), messages().map(lambda m: m[2])))
def test_candidates_are_never_invented(spec: CodeSpec, text: str) -> None:
    candidates = extract_candidates(text, spec)
    chars = set(alphabet_chars(spec.alphabet))
    folded = fold_text(text)
    assert len(candidates) <= MAX_CANDIDATES
    for candidate in candidates:
        assert len(candidate) == spec.length
        assert set(candidate) <= chars
        assert appears_in(candidate, folded)


@settings(max_examples=500)
@given(SPECS, st.data(), st.lists(NOISE_WORDS | st.text(), max_size=8))
def test_absent_code_is_never_a_candidate(
    spec: CodeSpec, data: st.DataObject, words: list[str]
) -> None:
    code = data.draw(
        st.text(alphabet_chars(spec.alphabet), min_size=spec.length, max_size=spec.length)
    )
    text = " ".join(words)
    assume(not appears_in(code, fold_text(text)))
    assert code not in extract_candidates(text, spec)
