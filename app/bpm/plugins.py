"""The contract between the platform and a business process's own code (its plugin).

A process may bring behaviour beyond its diagram: choices offered in its forms, checks and
derived data before a task completes, bookkeeping after each engine step, the business object
shown beside its tasks, its own pages. A plugin states which diagram elements that behaviour
relies on (`requires`: element id -> BPMN kind); deploying a diagram that lacks one, or has it
as another kind, is refused naming the element, so a rename in the modeler cannot silently
switch the behaviour off. Hooks are tables from element id to a function of one typed context
object, never if-chains on ids. Plugins are listed explicitly in `create_app` and reach the
services through the session (`registry_of`), never through import side effects.

Every hook runs inside the caller's transaction."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Any, Generic, Self, TypeVar

from sqlalchemy.orm import Session

from app.bpm.models import ProcessInstance, User

Choices = dict[str, list[tuple[str, str]]]  # field -> [(value, label)]


@dataclass(frozen=True)
class Fact:
    """One fact of a case as a person reads it: a label and a value, both in their language."""

    label: str
    value: str


@dataclass(frozen=True)
class WorkContext:
    """What a task or instance page (and the API's task object, as `case`) shows of the case
    behind the instance: a label, a link (endpoint and arguments) when the case has a page of
    its own, the facts this step needs, optionally a partial template of the plugin's own
    drawn with `details` (a process may show its deadlines this way), and the endpoint of the
    case's paper form (a PDF) when it has one, with `args` as its arguments too."""

    label: str
    endpoint: str | None = None
    args: dict[str, Any] = field(default_factory=dict)
    template: str | None = None
    details: Any = None
    facts: tuple[Fact, ...] = ()
    print_endpoint: str | None = None


@dataclass(frozen=True)
class RowDeadline:
    """A deadline a process keeps for an instance outside its tasks (a service-level clock, say),
    shown on worklist rows whose task has no due time of its own: what it is (a label in the
    reader's language), when it is due and when it warns, and the time left on the process's
    own calendar when that is not plain elapsed time (None: the platform counts wall-clock time)."""

    label: str
    due_at: datetime
    warn_at: datetime | None = None
    remaining_seconds: float | None = None


# For a batch of instance ids (one page of worklist rows), at `now`, in `locale`: the most urgent
# open deadline of each instance that has one. One query for the whole batch, never one per row.
RowDeadlines = Callable[[Session, Sequence[int], datetime, str], Mapping[int, RowDeadline]]


@dataclass(frozen=True)
class StepContext:
    """What every hook is given: the transaction, the instance, who acts (None for a timer),
    when, in which language, and the data. Before a completion `data` is the validated form
    (a hook may change it: what it holds then is what the engine gets) and `element_id` the
    task; after a step `data` is the instance's data and `passed` the elements just passed."""

    session: Session
    instance: ProcessInstance
    user: User | None
    now: datetime
    locale: str
    data: dict[str, Any]
    element_id: str | None = None
    passed: frozenset[str] = frozenset()

    @classmethod
    def extend(cls, base: StepContext, **extra: Any) -> Self:
        """A subclass's context (with the plugin's own fields) built from the platform's."""
        return cls(**{f.name: getattr(base, f.name) for f in fields(StepContext)}, **extra)


CaseT = TypeVar("CaseT", bound=StepContext)
ElementHook = Callable[[CaseT], None]


@dataclass(frozen=True)
class NavItem:
    """A link in the main navigation: a web endpoint and the message key of its label, shown
    to those `shown_to` says may use the page (everyone signed in when None): nobody is led
    to a page that only answers 403."""

    endpoint: str
    label_key: str
    shown_to: Callable[[User], bool] | None = None

    def shown(self, user: User) -> bool:
        return self.shown_to is None or self.shown_to(user)


class PluginInvalid(Exception):
    """A plugin names hooks for elements it does not declare (a programming error: raised
    when the app is built, never at run time)."""


@dataclass(frozen=True)
class ProcessPlugin(Generic[CaseT]):
    """A process's own code. `case` builds the plugin's typed context from the platform's; it
    returns None when the instance has no business object (no hook then runs).

    After a step the hooks run in this order: `after_every_step`, then `after_passing` in the
    table's order for each element the engine passed, then `after_completed` when the instance
    has just ended."""

    process_id: str
    requires: Mapping[str, str]
    case: Callable[[StepContext], CaseT | None]
    choices: Mapping[str, Callable[[CaseT], Choices]] = field(default_factory=dict)
    before_complete: Mapping[str, ElementHook[CaseT]] = field(default_factory=dict)
    before_every_completion: Sequence[ElementHook[CaseT]] = ()
    after_every_step: Sequence[ElementHook[CaseT]] = ()
    after_passing: Mapping[str, ElementHook[CaseT]] = field(default_factory=dict)
    after_completed: Sequence[ElementHook[CaseT]] = ()
    work_context: Callable[[CaseT], WorkContext | None] | None = None
    # A short line for worklist rows from the instance's data alone (no query per row).
    row_label: Callable[[Mapping[str, Any]], str] | None = None
    # The deadlines the process keeps outside its tasks, for worklist rows (see RowDeadlines).
    row_deadlines: RowDeadlines | None = None
    # A process whose instances only its own intake page may start (it prepares their data,
    # such as deadlines computed from a contract): that page's endpoint.
    intake_endpoint: str | None = None
    # The message key of the start page's link to that intake page (what starting this process
    # means to its users, in its own words); a generic "start" otherwise.
    intake_label: str = "start.submit"
    # Message keys naming data the forms do not name (what the process computes), for the
    # history; otherwise `data.<key>` when the catalogue has it.
    data_labels: Mapping[str, str] = field(default_factory=dict)
    # The catalogue prefix of a key's values (`channel` -> `channel.` reads `visit` as `channel.visit`).
    data_values: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for table in ("choices", "before_complete", "after_passing"):
            unknown = sorted(set(getattr(self, table)) - set(self.requires))
            if unknown:
                raise PluginInvalid(f"{self.process_id}: {table} names undeclared elements {', '.join(unknown)}")

    # -- what the platform calls ---------------------------------------------------------

    def missing_elements(self, elements: Mapping[str, str]) -> list[tuple[str, str, str | None]]:
        """The required elements a diagram lacks or has as another kind:
        [(element id, kind required, kind found or None)]."""
        return [
            (element_id, kind, elements.get(element_id))
            for element_id, kind in self.requires.items()
            if elements.get(element_id) != kind
        ]

    def field_choices(self, ctx: StepContext) -> Choices:
        hook = self.choices.get(ctx.element_id or "")
        case = self.case(ctx) if hook else None
        return hook(case) if hook and case is not None else {}

    def prepare_completion(self, ctx: StepContext) -> dict[str, Any]:
        """Check the form data against the database (a hook raises FormRejected) and return
        the data the engine gets."""
        hook = self.before_complete.get(ctx.element_id or "")
        if hook is None and not self.before_every_completion:
            return ctx.data
        case = self.case(ctx)
        if case is None:
            return ctx.data
        if hook is not None:
            hook(case)
        for every in self.before_every_completion:
            every(case)
        return case.data

    def after_step(self, ctx: StepContext) -> None:
        if not ctx.passed:
            return
        case = self.case(ctx)
        if case is None:
            return
        for hook in self.after_every_step:
            hook(case)
        for element_id, on_passed in self.after_passing.items():
            if element_id in ctx.passed:
                on_passed(case)
        if ctx.instance.status == "completed":
            for hook in self.after_completed:
                hook(case)

    def row_summary(self, data: Mapping[str, Any]) -> str:
        return self.row_label(data) if self.row_label is not None else ""

    def deadlines(
        self, session: Session, instance_ids: Sequence[int], now: datetime, locale: str
    ) -> Mapping[int, RowDeadline]:
        if self.row_deadlines is None or not instance_ids:
            return {}
        return self.row_deadlines(session, instance_ids, now, locale)

    def context_of(self, ctx: StepContext) -> WorkContext | None:
        if self.work_context is None:
            return None
        case = self.case(ctx)
        return self.work_context(case) if case is not None else None


def _no_case(ctx: StepContext) -> StepContext | None:
    return None


def plain_process(process_id: str) -> ProcessPlugin[StepContext]:
    """A process with no code of its own: its diagram is all it does."""
    return ProcessPlugin(process_id=process_id, requires={}, case=_no_case)


# Told of every instance that has just completed, whatever its process (after that process's
# own hooks, in the same transaction): a module that keeps evidence of finished work listens.
CompletionListener = Callable[[StepContext], None]


class PluginRegistry:
    """The plugins of one app, by process id (`create_app` builds it from an explicit list),
    and the modules' completion listeners."""

    def __init__(
        self, plugins: Sequence[ProcessPlugin[Any]], completion_listeners: Sequence[CompletionListener] = ()
    ) -> None:
        self._completion_listeners = tuple(completion_listeners)
        self._plugins: dict[str, ProcessPlugin[Any]] = {}
        for plugin in plugins:
            if plugin.process_id in self._plugins:
                raise PluginInvalid(f"two plugins for process {plugin.process_id}")
            self._plugins[plugin.process_id] = plugin
        self._listed = tuple(self._plugins.values())

    def for_process(self, process_id: str) -> ProcessPlugin[Any]:
        """The process's plugin; a process drawn in the modeler has none and gets a plain one."""
        found = self._plugins.get(process_id)
        if found is None:  # built once, not at every step
            found = self._plugins.setdefault(process_id, plain_process(process_id))
        return found

    def instance_completed(self, ctx: StepContext) -> None:
        for listener in self._completion_listeners:
            listener(ctx)

    def __iter__(self) -> Iterator[ProcessPlugin[Any]]:
        """The listed plugins (not the plain ones made for processes without code)."""
        return iter(self._listed)


SESSION_KEY = "shouhou_plugins"


def registry_of(session: Session) -> PluginRegistry:
    """The plugins of the app the session belongs to (`Database.init_app` puts them in every
    session's `info`). A session made without them is a programming error, never "no
    behaviour"."""
    registry = session.info.get(SESSION_KEY)
    if not isinstance(registry, PluginRegistry):
        raise RuntimeError("this session was not made by the app's database: it has no plugin registry")
    return registry


def plugin_for(session: Session, process_id: str) -> ProcessPlugin[Any]:
    return registry_of(session).for_process(process_id)
