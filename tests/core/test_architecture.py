"""The layers of ``docs/architecture.md`` hold in the code: import-linter checks who imports
whom (``make lint``); this checks that no import of another app hides inside a function,
where readers and tools miss it, unless a comment says why."""

import ast
from pathlib import Path

from django.conf import settings

APPS = Path(settings.BASE_DIR) / "apps"


def _hidden_imports(path: Path) -> list[str]:
    """``file:line`` of each import of another app inside a function, without a comment on
    the line or the one above."""
    app = path.relative_to(APPS).parts[0]
    lines = path.read_text().splitlines()
    found = []
    for function in ast.walk(ast.parse(path.read_text())):
        if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        for node in ast.walk(function):
            if isinstance(node, ast.ImportFrom) and node.module:
                modules = [node.module]
            elif isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            else:
                continue
            other = [m for m in modules if m.startswith("apps.") and m.split(".")[1] != app]
            said = "#" in lines[node.lineno - 1] or lines[node.lineno - 2].strip().startswith("#")
            if other and not said:
                found.append(f"{path.relative_to(APPS)}:{node.lineno}")
    return found


def test_no_import_of_another_app_hides_inside_a_function():
    hidden = [
        where
        for path in sorted(APPS.rglob("*.py"))
        if "migrations" not in path.parts
        for where in _hidden_imports(path)
    ]
    assert hidden == []


def test_the_check_sees_a_hidden_import(tmp_path, monkeypatch):
    module = tmp_path / "apps" / "sales" / "hidden.py"
    module.parent.mkdir(parents=True)
    module.write_text(
        "def f():\n    from apps.documents.services import document_ingest\n\n"
        "def g():\n    # said why\n    from apps.documents.models import Source\n"
    )
    monkeypatch.setattr(__import__(__name__, fromlist=["APPS"]), "APPS", tmp_path / "apps")
    assert _hidden_imports(module) == ["sales/hidden.py:2"]
