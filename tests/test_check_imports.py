"""tools/check_imports.py (``make lint``): circles and upward imports, function-local ones too."""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("check_imports", ROOT / "tools/check_imports.py")
check_imports = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(check_imports)


def _tree(tmp_path: Path, files: dict[str, str]) -> dict[str, set[str]]:
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return check_imports.import_edges(check_imports.module_files(tmp_path))


def test_a_function_local_import_from_the_core_into_a_department_is_upward(tmp_path):
    edges = _tree(tmp_path, {
        "app/__init__.py": "",
        "app/tenants.py": "def f():\n    from app.blueprints.hr.checklists import g\n",
        "app/blueprints/__init__.py": "",
        "app/blueprints/hr/__init__.py": "from app.blueprints.hr import checklists\n",
        "app/blueprints/hr/checklists.py": "from app import tenants\n",
    })
    assert check_imports.upward_imports(edges) == [
        ("app.tenants", "app.blueprints.hr.checklists")]
    assert check_imports.circles(edges) == [["app.blueprints.hr.checklists", "app.tenants"]]


def test_the_core_importing_the_factory_is_upward_and_a_package_may_import_its_modules(tmp_path):
    edges = _tree(tmp_path, {
        "app/__init__.py": "from app import jobs\n",
        "app/jobs/__init__.py": "from app.jobs import runner\n",
        "app/jobs/runner.py": "from .. import create_app\nfrom app.jobs import REGISTRY\n",
        "app/blueprints/__init__.py": "from app.blueprints import store\n",
        "app/blueprints/store/__init__.py": "from . import views\n",
        "app/blueprints/store/views.py": "from app import jobs\n",
    })
    assert check_imports.upward_imports(edges) == [("app.jobs.runner", "app")]
    # app -> app.jobs -> app.jobs.runner and store/__init__ -> store.views: own submodules.
    assert check_imports.circles(edges) == []


def test_the_project_has_no_circle_and_no_upward_import():
    edges = check_imports.import_edges(check_imports.module_files(ROOT))
    assert check_imports.circles(edges) == []
    assert check_imports.upward_imports(edges) == []
