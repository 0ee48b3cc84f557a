"""Renderers: plans and reports as text, JSON and Markdown. Pure: they display, they never
decide (the order and content come from the plan), and they never import click."""

from __future__ import annotations

from zoomstate.render.common import describe
from zoomstate.render.json import render_plan_json
from zoomstate.render.markdown import render_plan_markdown
from zoomstate.render.text import render_plan_text

__all__ = ["describe", "render_plan_json", "render_plan_markdown", "render_plan_text"]
