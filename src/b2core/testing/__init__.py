"""Test tooling for b2 and its users: Hypothesis strategies and one contract suite per port.

Needs the ``testing`` extra (pytest, hypothesis, anyio). Nothing in the running product imports
this package.
"""
