"""Check AI replies with b2's guardrails from plain Python, no server needed.

Run: .venv/bin/python examples/guardrails.py
"""

from __future__ import annotations

from b2core.ai import guardrails

REPLIES = [
    "Our chocolate cake serves 8 people and is made to order.",
    "It costs Rs. 2,500 only!",
    "Today only: a sp3c!al 0ff3r for you",
    "We open at 9 and close at 18.",
    "Ask about our d.i.s.c.o.u.n.t",
]


def main() -> None:
    blocked = 0
    for text in REPLIES:
        verdict = guardrails.check_reply(text, extra_phrases=["special offer"])
        blocked += verdict.blocked
        print(f"{'BLOCK' if verdict.blocked else 'pass '}  {verdict.rule or '-':32}  {text}")
    assert blocked == 3, blocked
    print(f"guardrails OK: {blocked} of {len(REPLIES)} replies blocked")


if __name__ == "__main__":
    main()
