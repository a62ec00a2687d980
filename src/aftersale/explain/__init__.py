"""Decision records → text for people (`aftersale explain`).

The renderers read a decision record (a plain dict shaped as
`schema/decision.json`) and nothing else. rich is imported only when colour
is asked for, so importing this package stays cheap.
"""
from .render import headline, render, summary

__all__ = ["headline", "render", "summary"]
