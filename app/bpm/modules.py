"""The rooms of the product that `create_app` lists explicitly: each shared-business module
and each business process brings its pages (web and API blueprints), its links in the
navigation, a process its plugin, and contributions to extension points other modules
declare by name (the archive's unit history reads `contributions("unit_history")`)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask import Blueprint, Flask, current_app
from sqlalchemy.orm import Session

from app.bpm.plugins import CompletionListener, NavItem, PluginRegistry, ProcessPlugin
from app.i18n import add_messages


@dataclass(frozen=True)
class ScheduledPass:
    """Work a module does on the worker's every pass, after the timers (and on `timers fire-due
    --now`, as of that instant): opening what falls due by the calendar, say. It owns its
    transactions and returns a line for the log when it did something (None when not)."""

    name: str
    run: Callable[[Session, datetime], str | None]


@dataclass(frozen=True)
class Module:
    """`messages`: the module's own catalogue entries (key -> {locale: text}), added when the
    app is built. `on_instance_completed`: told of every instance that completed, of any
    process. `scheduled`: passes the worker runs after firing timers."""

    name: str
    plugin: ProcessPlugin[Any] | None = None
    web: Blueprint | None = None
    api: Blueprint | None = None
    nav: tuple[NavItem, ...] = ()
    contributes: Mapping[str, tuple[Any, ...]] = field(default_factory=dict)
    messages: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    on_instance_completed: tuple[CompletionListener, ...] = ()
    scheduled: tuple[ScheduledPass, ...] = ()


@dataclass(frozen=True)
class Installed:
    """What the app's modules add up to."""

    registry: PluginRegistry
    nav: tuple[NavItem, ...]
    contributions: Mapping[str, tuple[Any, ...]]
    api_blueprints: tuple[Blueprint, ...]
    scheduled: tuple[ScheduledPass, ...] = ()


KEY = "shouhou_modules"


def assemble(modules: Sequence[Module]) -> Installed:
    names = [m.name for m in modules]
    if len(set(names)) != len(names):
        raise ValueError(f"module listed twice: {names}")
    contributions: dict[str, tuple[Any, ...]] = {}
    for module in modules:
        add_messages(module.messages, module.name)
        for point, items in module.contributes.items():
            contributions[point] = contributions.get(point, ()) + tuple(items)
    return Installed(
        registry=PluginRegistry(
            [m.plugin for m in modules if m.plugin is not None],
            [listener for m in modules for listener in m.on_instance_completed],
        ),
        nav=tuple(item for m in modules for item in m.nav),
        contributions=contributions,
        api_blueprints=tuple(m.api for m in modules if m.api is not None),
        scheduled=tuple(p for m in modules for p in m.scheduled),
    )


def register_blueprints(app: Flask, modules: Sequence[Module], installed: Installed) -> None:
    app.extensions[KEY] = installed
    for module in modules:
        if module.web is not None:
            app.register_blueprint(module.web)
        if module.api is not None:
            app.register_blueprint(module.api, url_prefix="/api/v1")


def installed() -> Installed:
    found: Installed = current_app.extensions[KEY]
    return found


def contributions(point: str) -> tuple[Any, ...]:
    """What the app's modules contribute to the extension point `point` (in module order)."""
    return installed().contributions.get(point, ())
