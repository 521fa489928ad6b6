"""The rooms of the product that `create_app` lists explicitly: each shared-business module
and each business process brings its pages (web and API blueprints), its links in the
navigation, a process its plugin, and contributions to extension points other modules
declare by name (the archive's unit history reads `contributions("unit_history")`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from flask import Blueprint, Flask, current_app

from app.bpm.plugins import NavItem, PluginRegistry, ProcessPlugin


@dataclass(frozen=True)
class Module:
    name: str
    plugin: ProcessPlugin[Any] | None = None
    web: Blueprint | None = None
    api: Blueprint | None = None
    nav: tuple[NavItem, ...] = ()
    contributes: Mapping[str, tuple[Any, ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class Installed:
    """What the app's modules add up to."""

    registry: PluginRegistry
    nav: tuple[NavItem, ...]
    contributions: Mapping[str, tuple[Any, ...]]
    api_blueprints: tuple[Blueprint, ...]


KEY = "shouhou_modules"


def assemble(modules: Sequence[Module]) -> Installed:
    names = [m.name for m in modules]
    if len(set(names)) != len(names):
        raise ValueError(f"module listed twice: {names}")
    contributions: dict[str, tuple[Any, ...]] = {}
    for module in modules:
        for point, items in module.contributes.items():
            contributions[point] = contributions.get(point, ()) + tuple(items)
    return Installed(
        registry=PluginRegistry([m.plugin for m in modules if m.plugin is not None]),
        nav=tuple(item for m in modules for item in m.nav),
        contributions=contributions,
        api_blueprints=tuple(m.api for m in modules if m.api is not None),
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
