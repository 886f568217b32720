"""Rules and their sources (suites.rules): unique names, valid sources, the ``--rules`` profiles, the
contract's decision-required fields, and every suite test and check citing a registered rule."""

from __future__ import annotations

import ast
import importlib.util
import re
import sys
from pathlib import Path
from typing import Any

import pytest

from suites import ROOT
from suites.checks import MESSAGE_LIMIT, CheckFailure
from suites.contract import load_contract
from suites.plugin import load_rules
from suites.rules import RULES, Rule, register, rules_of

SUITES = ROOT / "suites"

RULED = """
import pytest
from suites.checks import holds

@pytest.mark.rule("model_echoed")
def test_decision_only():
    pass

@pytest.mark.rule("no_upstream_leak")
def test_documented():
    pass

@pytest.mark.rule("no_upstream_leak", "model_echoed")
def test_mixed_with_a_failing_decision_check():
    holds("model_echoed", False, "requested 'a', answer says 'b'")
"""


def _outcomes(result: pytest.RunResult) -> dict[str, int]:
    return {k: v for k, v in result.parseoutcomes().items() if k in ("passed", "failed", "skipped", "errors")}


def test_a_duplicate_rule_name_is_refused_at_import(tmp_path: Path) -> None:
    load_rules()
    with pytest.raises(ValueError, match="registered twice"):
        register("model_echoed", "decision:D-11")
    module = tmp_path / "duplicate_rules.py"
    module.write_text('from suites.rules import register\nregister("no_upstream_leak", "openai:anything")\n')
    spec = importlib.util.spec_from_file_location("duplicate_rules", module)
    assert spec is not None and spec.loader is not None
    with pytest.raises(ValueError, match="'no_upstream_leak' is registered twice"):
        spec.loader.exec_module(importlib.util.module_from_spec(spec))
    sys.modules.pop("duplicate_rules", None)


@pytest.mark.parametrize("source", [
    "docs:no-such-page#errors", "docs:api-reference-overview#no-such-section", "docs:api-reference-overview",
    "decision:D-x", "decision:8", "blog:some-post", "openai:", "anthropic", "",
])
def test_an_invalid_source_is_refused(source: str) -> None:
    with pytest.raises(ValueError, match="source"):
        Rule("some_rule", source)


@pytest.mark.parametrize("source,kind", [
    ("docs:rate-limits-and-api-keys#common-errors", "documented"), ("openai:chat-streaming", "documented"),
    ("anthropic:messages-streaming", "documented"), ("deepseek:reasoning-model", "documented"),
    ("decision:D-8", "decision"),
])
def test_valid_sources_and_their_kind(source: str, kind: str) -> None:
    assert Rule("some_rule", source).kind == kind


def test_a_failure_names_its_rule_and_source_on_one_cut_line() -> None:
    load_rules()
    failure = CheckFailure("no_upstream_leak", "expected no upstream host, got " + "x\n" * 2000)
    text = str(failure)
    assert text.startswith("[no_upstream_leak] (docs:api-reference-overview#errors) expected no upstream host")
    assert "\n" not in text and len(text) <= MESSAGE_LIMIT
    described = str(CheckFailure("stream_done", "no data: [DONE] among 3 events"))
    assert described == ("[stream_done] (openai:chat-streaming) expected: a stream ends with data: [DONE]; "
                         "got: no data: [DONE] among 3 events")


def test_documented_skips_decision_only_tests_naming_them(pytester: pytest.Pytester, tmp_path: Path) -> None:
    pytester.makepyfile(test_ruled=RULED)
    result = pytester.runpytest_inprocess(f"--rootdir={tmp_path}", "-p", "no:cacheprovider", "--rules=documented",
                                          "-rs")
    assert _outcomes(result) == {"passed": 2, "skipped": 1}
    result.stdout.fnmatch_lines(["*decision check(s) would have failed*model_echoed*",
                                 "*decision rule D-11 model_echoed*(--rules all runs it)*"])


def test_all_runs_decision_tests_and_checks(pytester: pytest.Pytester, tmp_path: Path) -> None:
    pytester.makepyfile(test_ruled=RULED)
    result = pytester.runpytest_inprocess(f"--rootdir={tmp_path}", "-p", "no:cacheprovider", "--rules=all")
    assert _outcomes(result) == {"passed": 2, "failed": 1}
    line = "*model_echoed] (decision:D-11) expected: an answer's model echoes the requested catalog id; got: *"
    result.stdout.fnmatch_lines([line + "requested 'a', answer says 'b'*"])


def test_the_default_profile_depends_on_the_target(pytester: pytest.Pytester, tmp_path: Path) -> None:
    pytester.makepyfile(test_ruled=RULED)
    base = [f"--rootdir={tmp_path}", "-p", "no:cacheprovider", "-k", "decision_only"]
    remote = pytester.runpytest_inprocess(*base, "--base-url=http://127.0.0.1:9", "--api-key=sk-empiriolabs-x")
    remote.stdout.fnmatch_lines(["empirio rules: documented (default against --base-url)"])
    assert _outcomes(remote) == {"skipped": 1}
    local = pytester.runpytest_inprocess(*base)  # the test uses no fixture: nothing is launched
    local.stdout.fnmatch_lines(["empirio rules: all (default against the self-launched reference)"])
    assert _outcomes(local) == {"passed": 1}
    chosen = pytester.runpytest_inprocess(*base, "--base-url=http://127.0.0.1:9", "--api-key=sk-empiriolabs-x",
                                          "--rules=all")
    chosen.stdout.fnmatch_lines(["empirio rules: all (chosen)"])
    assert _outcomes(chosen) == {"passed": 1}


def test_the_profile_from_the_environment(pytester: pytest.Pytester, tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    pytester.makepyfile(test_ruled=RULED)
    monkeypatch.setenv("EMPIRIO_RULES", "documented")
    result = pytester.runpytest_inprocess(f"--rootdir={tmp_path}", "-p", "no:cacheprovider", "-k", "decision_only")
    assert _outcomes(result) == {"skipped": 1}
    monkeypatch.setenv("EMPIRIO_RULES", "some")
    refused = pytester.runpytest_inprocess(f"--rootdir={tmp_path}", "-p", "no:cacheprovider")
    assert refused.ret == pytest.ExitCode.USAGE_ERROR


def test_a_test_without_a_rule_is_a_collection_error(pytester: pytest.Pytester, tmp_path: Path) -> None:
    pytester.makeini("[pytest]\nempirio_require_rules = true\n")
    pytester.makepyfile(test_unruled="def test_nothing_cited():\n    pass\n")
    result = pytester.runpytest_inprocess(f"--rootdir={tmp_path}", "-p", "no:cacheprovider")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*test_nothing_cited: no @pytest.mark.rule(...) names the rule it checks*"])


def test_an_unknown_rule_name_is_a_collection_error(pytester: pytest.Pytester, tmp_path: Path) -> None:
    pytester.makepyfile(test_unknown='import pytest\n\n@pytest.mark.rule("no_such_rule")\ndef test_x():\n    pass\n')
    result = pytester.runpytest_inprocess(f"--rootdir={tmp_path}", "-p", "no:cacheprovider")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*test_x: unknown rule(s) 'no_such_rule'*"])


def test_every_collected_suite_test_has_a_registered_rule(pytester: pytest.Pytester) -> None:
    items, _ = pytester.inline_genitems(str(SUITES), f"--rootdir={ROOT}", "-c", str(ROOT / "pyproject.toml"),
                                        "-p", "no:randomly")
    assert len(items) > 100
    unruled = [i.nodeid for i in items if not rules_of(i)]
    assert not unruled, f"suite tests without a registered rule: {unruled[:10]}"


def _decisions() -> set[str]:
    text = (ROOT / "specs" / "DECISIONS.md").read_text(encoding="utf-8")
    return set(re.findall(r"^## (D-\d+) ", text, re.MULTILINE))


def test_every_decision_cited_is_recorded() -> None:
    load_rules()
    cited = {r.decision for r in RULES.values() if r.decision}
    assert cited and not cited - _decisions(), f"cited but not in DECISIONS.md: {sorted(cited - _decisions())}"


def _string_calls(tree: ast.AST, names: set[str]) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in names and node.args:
            first = node.args[0]
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                found.append((node.lineno, first.value))
    return found


def test_every_check_name_is_a_registered_rule() -> None:
    load_rules()
    unknown = []
    for path in sorted(SUITES.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for line, name in _string_calls(tree, {"CheckFailure", "fail", "holds", "expect"}):
            if name not in RULES:
                unknown.append(f"{path.relative_to(ROOT)}:{line} {name}")
    assert not unknown, f"checks failing with unregistered rule names: {unknown[:10]}"


def test_no_inline_asserts_in_the_suites_test_files() -> None:
    found = [f"{path.relative_to(ROOT)}:{node.lineno}" for path in sorted(SUITES.glob("test_*.py"))
             for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))) if isinstance(node, ast.Assert)]
    assert not found, f"inline asserts (make them named checks in suites/checks/): {found[:10]}"


def _model_entry() -> dict[str, Any]:
    return {"id": "m", "object": "model", "display_name": "M", "provider": "P", "input_modalities": ["text"],
            "output_modalities": ["text"], "context_window": 1000, "served_from": None,
            "capabilities": {f: False for f in ("streaming", "system_prompt", "tool_calling", "vision", "audio_input",
                                                "video_input", "web_search", "thinking", "citations")},
            "pricing_rows": [{"charge": "Input"}], "supported_parameters": [], "api_status": "platform"}


def test_the_contract_requires_decided_fields_only_under_all() -> None:
    documented, every = load_contract(profile="documented"), load_contract(profile="all")
    entry = _model_entry()
    assert documented.schema_errors("#/components/schemas/Model", entry) == []
    problems = every.schema_errors("#/components/schemas/Model", entry)
    assert any("'created' is a required property" in p for p in problems), problems
    assert any("'rate_usd' is a required property" in p for p in problems), problems
    schemas = documented.spec["components"]["schemas"]
    cited = {d for s in schemas.values() for d in (s.get("x-decision-required") or {})}
    cited |= {s["x-decision-refinement"] for s in schemas.values() if s.get("x-decision-refinement")}
    assert {"D-2", "D-35"} <= cited <= _decisions()


def test_the_error_type_per_status_is_a_decision() -> None:
    documented, every = load_contract(profile="documented"), load_contract(profile="all")
    body = {"error": {"message": "bad key", "type": "invalid_request_error", "param": None, "code": "invalid_api_key"}}
    assert documented.schema_errors("#/components/schemas/OpenAIErrorAuthentication", body) == []
    assert every.schema_errors("#/components/schemas/OpenAIErrorAuthentication", body)
    assert documented.schema_errors("#/components/schemas/OpenAIErrorAuthentication", {"error": {}})


def test_a_decision_case_of_a_documented_test_is_skipped_at_the_test(pytester: pytest.Pytester,
                                                                      tmp_path: Path) -> None:
    pytester.makepyfile(test_cases='''
import pytest
from suites.checks import require

@pytest.mark.parametrize("case", ["documented", "decided"])
@pytest.mark.rule("no_upstream_leak", "model_echoed")
def test_cases(case):
    if case == "decided":
        require("model_echoed")
''')
    result = pytester.runpytest_inprocess(f"--rootdir={tmp_path}", "-p", "no:cacheprovider", "--rules=documented",
                                          "-rs")
    assert _outcomes(result) == {"passed": 1, "skipped": 1}
    result.stdout.fnmatch_lines(["SKIPPED [[]1] test_cases.py:*: decision rule D-11 model_echoed*(--rules all runs it)"])
    assert _outcomes(pytester.runpytest_inprocess(f"--rootdir={tmp_path}", "-p", "no:cacheprovider")) == {"passed": 2}


def test_every_rule_says_what_it_expects() -> None:
    load_rules()
    silent = sorted(name for name, rule in RULES.items() if not rule.says.strip())
    assert not silent, f"rules without a statement (the 'expected:' of their failures): {silent[:10]}"


def test_a_module_imported_anew_gets_its_rule_back() -> None:
    """pytest's in-process runs import suite modules anew: the same registration is not a duplicate, a
    different one under the same name still is."""
    from suites import rules

    try:
        first = rules.register("reimported_demo", "decision:D-2", "a demo rule")
        assert rules.register("reimported_demo", "decision:D-2", "a demo rule") is first
        with pytest.raises(ValueError, match="registered twice"):
            rules.register("reimported_demo", "decision:D-5", "a demo rule")
    finally:
        rules.RULES.pop("reimported_demo", None)
        rules._ORIGIN.pop("reimported_demo", None)
