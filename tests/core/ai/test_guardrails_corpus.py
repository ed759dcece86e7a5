"""The guardrails against the labelled corpus: every case by name, then the overall rates."""

from __future__ import annotations

import pytest

from b2core.ai import guardrails
from tests.core.ai import guardrail_corpus as corpus

CASES = corpus.BLOCKED + corpus.BENIGN


def test_corpus_is_big_enough_and_well_labelled() -> None:
    assert len(corpus.BLOCKED) >= 80
    assert len(corpus.BENIGN) >= 70
    assert len({case.id for case in CASES}) == len(CASES)
    assert all(case.expect in ("price", "phrase") for case in corpus.BLOCKED)
    assert all(case.expect is None for case in corpus.BENIGN)


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_case(case: corpus.Case) -> None:
    verdict = guardrails.check_reply(case.text, case.extra)

    if case.expect is None:
        assert verdict == guardrails.ALLOWED, f"false positive on {case.text!r}: {verdict}"
    else:
        assert verdict.blocked, f"missed {case.text!r}"
        assert verdict.rule is not None
        assert verdict.rule.startswith(f"{case.expect}."), verdict
        assert verdict.match


def test_detection_and_false_positive_rates() -> None:
    caught = sum(guardrails.check_reply(c.text, c.extra).blocked for c in corpus.BLOCKED)
    false_positives = sum(guardrails.check_reply(c.text, c.extra).blocked for c in corpus.BENIGN)
    blocked, benign = len(corpus.BLOCKED), len(corpus.BENIGN)

    print(
        f"\nguardrail corpus: detection {caught}/{blocked} ({100 * caught / blocked:.1f}%), "
        f"false positives {false_positives}/{benign} ({100 * false_positives / benign:.1f}%)"
    )
    assert caught == blocked
    assert false_positives == 0
