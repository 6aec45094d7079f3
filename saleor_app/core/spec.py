"""The shape of a code: length, alphabet and optional keyword."""

from __future__ import annotations

import math
from dataclasses import dataclass

from saleor_app.core.alphabet import CodeAlphabet, alphabet_chars
from saleor_app.core.keywords import keyword_problems

MIN_CODE_LENGTH = 4
MAX_CODE_LENGTH = 16
MIN_BITS_WITHOUT_STRICT_SENDER = 32.0


@dataclass(frozen=True)
class CodeSpec:
    """How codes are generated and written in the SMS body."""

    length: int = 8
    alphabet: CodeAlphabet = CodeAlphabet.CROCKFORD
    keyword: str = ""

    @property
    def bits(self) -> float:
        """Entropy of one code in bits."""
        return self.length * math.log2(len(alphabet_chars(self.alphabet)))

    def validate(self, strict_sender: bool) -> list[str]:
        """Person-readable problems with this spec; empty when valid."""
        problems: list[str] = []
        if not MIN_CODE_LENGTH <= self.length <= MAX_CODE_LENGTH:
            problems.append(
                f"The code length must be between {MIN_CODE_LENGTH} and {MAX_CODE_LENGTH}."
            )
        problems.extend(keyword_problems(self.keyword))
        if not strict_sender and self.bits < MIN_BITS_WITHOUT_STRICT_SENDER:
            problems.append(
                f"Codes of {self.length} {self.alphabet.lower()} characters "
                f"({self.bits:.1f} bits) are guessable when any sender may use them: use at "
                "least 32 bits (7 Crockford characters or 10 digits), or the STRICT sender policy."
            )
        return problems
