"""The fixture modules that test modules load through ``pytest_plugins`` are registered for the
whole session, so two of them defining one name would hand some module the other's fixture,
depending on which module pytest happened to collect first."""

import ast
from collections import defaultdict
from pathlib import Path

TESTS = Path(__file__).resolve().parent


def _plugins():
    """The modules named in any test module's ``pytest_plugins``."""
    names = set()
    for path in TESTS.glob("test_*.py"):
        for node in ast.parse(path.read_text()).body:
            if isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id == "pytest_plugins" for t in node.targets
            ):
                names.update(ast.literal_eval(node.value))
    return names


def _fixtures(path):
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.FunctionDef) and any("fixture" in ast.unparse(d) for d in node.decorator_list):
            yield node.name


def test_the_plugins_are_found():
    assert {"tests.admin_fixtures", "tests.snapshot_fixtures"} <= _plugins()


def test_no_two_fixture_modules_define_one_name():
    where = defaultdict(list)
    for module in sorted(_plugins()) + ["tests.conftest"]:
        path = TESTS.parent / (module.replace(".", "/") + ".py")
        for name in _fixtures(path):
            where[name].append(module)
    assert {name: modules for name, modules in where.items() if len(modules) > 1} == {}
