"""Rules about the code base itself: which room may import which (ARCHITECTURE.md), where
transactions end, where permissions are decided, and that the migrations match the models."""

from __future__ import annotations

import ast
import os
import re
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine

from app.cli import upgrade_database
from app.schema import metadata

ROOT = Path(__file__).resolve().parent.parent
APP = ROOT / "app"
PG_ADMIN_URL = os.environ.get("SHOUHOU_TEST_PG_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


def _imports(path: Path) -> list[str]:
    """Modules a file imports at run time (imports under `if TYPE_CHECKING:` are annotations)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    typing_only: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            typing_only.update(id(n) for child in node.body for n in ast.walk(child))
    found = []
    for node in ast.walk(tree):
        if id(node) in typing_only:
            continue
        if isinstance(node, ast.Import):
            found.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.extend([node.module, *(f"{node.module}.{alias.name}" for alias in node.names)])
    return found


def _files(*parts: str) -> list[Path]:
    return sorted((APP.joinpath(*parts)).rglob("*.py"))


def _rel(path: Path) -> str:
    return str(path.relative_to(ROOT))


def _offenders(files: list[Path], forbidden: re.Pattern[str]) -> list[str]:
    return sorted(
        {f"{_rel(path)} imports {name}" for path in files for name in _imports(path) if forbidden.match(name)}
    )


def test_the_platform_imports_no_after_sales_business_and_no_process() -> None:
    assert _offenders(_files("bpm"), re.compile(r"app\.(aftersales|processes|demo|schema|cli)\b")) == []


def test_the_platform_knows_no_after_sales_words() -> None:
    words = re.compile(r"warranty|equipment|service_request|repair|after_sales|complaint|spare|loaner", re.I)
    offenders = [
        f"{_rel(path)}:{number}"
        for path in [
            *_files("bpm"),
            *(p for ext in ("html", "js", "css") for p in sorted((APP / "bpm").rglob(f"*.{ext}"))),
        ]
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if words.search(line)
    ]
    assert offenders == []


def test_shared_business_imports_no_process() -> None:
    assert _offenders(_files("aftersales"), re.compile(r"app\.processes\b")) == []


def test_no_process_imports_another() -> None:
    offenders = []
    for folder in sorted(p for p in (APP / "processes").iterdir() if p.is_dir() and p.name != "__pycache__"):
        other = re.compile(rf"app\.processes\.(?!{folder.name}\b)\w+")
        offenders += _offenders(_files("processes", folder.name), other)
    assert offenders == []


def _views() -> list[Path]:
    return [
        path
        for path in APP.rglob("*.py")
        if path.name in ("views.py", "api.py", "modeler_views.py", "exports.py", "schemas.py", "openapi.py")
        or {"web", "api"} & set(path.relative_to(APP).parts[:-1])
    ]


def test_views_never_import_models() -> None:
    assert _offenders(_views(), re.compile(r"app(\.\w+)*\.models\b|sqlalchemy\b")) == []


def test_views_never_end_transactions() -> None:
    """Services own their transactions (a unit of work); a view neither commits nor rolls back."""
    offenders = [_rel(p) for p in _views() if re.search(r"\.(commit|rollback)\(\)", p.read_text(encoding="utf-8"))]
    assert offenders == []


def test_only_the_engine_package_imports_spiffworkflow() -> None:
    engine = APP / "bpm" / "engine"
    offenders = [
        _rel(path)
        for path in APP.rglob("*.py")
        if engine not in path.parents and any(n.split(".")[0] == "SpiffWorkflow" for n in _imports(path))
    ]
    assert offenders == []


def test_group_ids_are_compared_only_in_policies() -> None:
    """One place for permissions: policy functions over objects (app/bpm/policies.py for the
    platform, app/aftersales/policies.py for the business). Templates ask those too."""
    allowed = {APP / "bpm" / "policies.py", APP / "aftersales" / "policies.py", APP / "bpm" / "models" / "users.py"}
    pattern = re.compile(r"\bin\s+(\w+\.)+group_ids\b|&\s*(\w+\.)+group_ids\b|(\w+\.)+group_ids\s*&")
    offenders = [
        f"{_rel(path)}:{number}"
        for path in [*APP.rglob("*.py"), *APP.rglob("*.html")]
        if path not in allowed
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if pattern.search(line)
    ]
    assert offenders == []


def test_every_process_folder_is_listed_in_create_app() -> None:
    """Plugins are listed explicitly in the composition root, never found by import."""
    root = (APP / "__init__.py").read_text(encoding="utf-8").split("def product_modules", 1)[1]
    folders = [p.name for p in (APP / "processes").iterdir() if p.is_dir() and p.name != "__pycache__"]
    assert folders
    for name in folders:
        assert (APP / "processes" / name / "module.py").exists(), name
        assert f"{name}_module()" in root, f"{name} is not listed in create_app"


def _compare(url: str) -> list[object]:
    upgrade_database(url)
    engine = create_engine(url)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), metadata)
    engine.dispose()
    return list(diff)


def test_migrations_match_the_models_on_sqlite(tmp_path: Path) -> None:
    assert _compare(f"sqlite:///{tmp_path / 'm.sqlite3'}") == []


@pytest.mark.postgres
def test_migrations_match_the_models_on_postgresql(database_url_pg: str) -> None:
    assert _compare(database_url_pg) == []


def _recorded_actions() -> set[str]:
    """Every audit action the code records with a literal name (audit.record, StepWrites.record
    and the services' small wrappers around them)."""
    found = set()
    for path in APP.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            if name not in ("record", "_record", "_record_task_event"):
                continue
            for arg in node.args[:3]:
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str) and re.fullmatch(r"[a-z_]+", arg.value):
                    found.add(arg.value)
    return found


def test_every_recorded_action_reads_in_both_languages() -> None:
    """The history never shows a raw key such as `action.service_request_reported`."""
    from app import product_modules
    from app.bpm.modules import assemble
    from app.i18n import MESSAGES

    assemble(product_modules())  # the modules' own messages join the catalogue

    actions = _recorded_actions() | {"part_issued", "part_returned"}  # named in a tuple by the warehouse
    assert len(actions) > 20
    missing = sorted(a for a in actions if set(MESSAGES.get(f"action.{a}", {})) < {"zh_CN", "en"})
    assert missing == []
