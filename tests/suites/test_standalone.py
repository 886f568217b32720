"""The harness stands on its own: nothing under ``suites/`` imports the reference, and the suites run
with the reference's packages and server stack made unimportable (as in a base install without the
``reference`` extra), against a deployment given by ``--base-url``."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest

from suites import ROOT
from suites.launcher import REFERENCE_MODULES, Deployment

REFERENCE_PACKAGES = {"gateway", "mocks"}

BLOCKER = '''
"""Test double of a base install: the reference's packages and server stack cannot be imported."""
import os
import sys

BLOCKED = {blocked!r}


class _Blocker:
    def find_spec(self, name, path=None, target=None):
        top = name.partition(".")[0]
        if top in BLOCKED:
            log = os.environ.get("BLOCKED_IMPORT_LOG")
            if log and top in {reference!r}:
                with open(log, "a") as sink:
                    sink.write(name + "\\n")
            raise ModuleNotFoundError(f"No module named {{name!r}} (blocked by the test)", name=name)
        return None


sys.meta_path.insert(0, _Blocker())
'''

SUITE_FILES = ["suites/test_auth.py", "suites/test_models.py", "suites/test_chat_stream.py",
               "suites/test_messages_stream.py"]


def _imported_modules(tree: ast.AST) -> list[tuple[int, str]]:
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module))
        elif (isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant)
              and isinstance(node.args[0].value, str)
              and (getattr(node.func, "attr", None) == "import_module" or getattr(node.func, "id", None) == "__import__")):
            found.append((node.lineno, node.args[0].value))
    return found


def test_no_suite_module_imports_the_reference() -> None:
    files = sorted((ROOT / "suites").rglob("*.py"))
    assert len(files) > 20, "the scan found too few suite modules"
    offenders = [f"{path.relative_to(ROOT)}:{line} imports {module}"
                 for path in files
                 for line, module in _imported_modules(ast.parse(path.read_text(encoding="utf-8"), str(path)))
                 if module.partition(".")[0] in REFERENCE_PACKAGES]
    assert not offenders, "; ".join(offenders)


def test_the_scan_sees_every_kind_of_import() -> None:
    source = "import gateway.sse\nfrom mocks import x\nimport importlib\nimportlib.import_module('gateway')\n"
    assert [m for _, m in _imported_modules(ast.parse(source))] == ["gateway.sse", "mocks", "importlib", "gateway"]


def _blocked_env(tmp_path: Path) -> dict[str, str]:
    site = tmp_path / "blocker"
    site.mkdir()
    (site / "sitecustomize.py").write_text(BLOCKER.format(blocked=set(REFERENCE_MODULES),
                                                          reference=REFERENCE_PACKAGES))
    env = {k: v for k, v in os.environ.items() if not k.startswith("EMPIRIO_")}
    env["PYTHONPATH"] = os.pathsep.join([str(site), str(ROOT)])
    env["BLOCKED_IMPORT_LOG"] = str(tmp_path / "blocked.log")
    return env


def _pytest(env: dict[str, str], tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pytest", *args, f"--rootdir={ROOT}", "-c", str(ROOT / "pyproject.toml"),
         "-q", "-p", "no:randomly", f"--coverage-json={tmp_path / 'coverage.json'}"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600, check=False,
    )


def test_the_blocker_blocks(tmp_path: Path) -> None:
    env = _blocked_env(tmp_path)
    for name in REFERENCE_MODULES:
        out = subprocess.run([sys.executable, "-c", f"import {name}"], env=env, cwd=tmp_path,
                             capture_output=True, text=True, check=False)
        assert out.returncode != 0 and "blocked by the test" in out.stderr, f"{name} is importable: {out.stderr}"


def test_suites_pass_without_the_reference_installed(deployment: Deployment, tmp_path: Path) -> None:
    env = _blocked_env(tmp_path)
    out = _pytest(env, tmp_path, *[str(ROOT / f) for f in SUITE_FILES],
                  f"--base-url={deployment.base_url}", f"--api-key={deployment.api_key}",
                  f"--second-key={deployment.second_key}", f"--revoked-key={deployment.revoked_key}",
                  f"--zero-credit-key={deployment.zero_credit_key}",
                  f"--other-account-key={deployment.other_account_key}", "--mock-upstreams", "--test-hooks")
    summary = out.stdout.strip().splitlines()[-1] if out.stdout.strip() else out.stderr[-2000:]
    assert out.returncode == 0, f"{summary}\n{out.stdout[-4000:]}{out.stderr[-2000:]}"
    assert " passed" in summary and "failed" not in summary and "error" not in summary, summary
    log = tmp_path / "blocked.log"
    assert not log.exists(), f"the harness tried to import the reference: {log.read_text()}"


def test_self_launch_without_the_reference_says_what_to_install(tmp_path: Path) -> None:
    env = _blocked_env(tmp_path)
    out = _pytest(env, tmp_path, str(ROOT / "suites/test_models.py"))
    assert out.returncode == pytest.ExitCode.USAGE_ERROR, out.stdout[-2000:] + out.stderr[-2000:]
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and not out.stdout.strip(), out.stdout + out.stderr
    assert lines[0].startswith("ERROR: no --base-url given"), lines[0]
    assert "pip install 'empirio-conformance[reference]'" in lines[0] and "--base-url" in lines[0], lines[0]
