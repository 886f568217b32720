import dataclasses
from pathlib import Path

import pytest

from gateway.app import create_app
from gateway.config import load_settings
from gateway.defects import DEFECTS, DefectError, DefectSwitch
from suites import ROOT


def test_defects_are_refused_outside_test_mode() -> None:
    switch = DefectSwitch(test_mode=False)
    with pytest.raises(DefectError):
        switch.set(["x_api_key_ignored"])
    switch.set([])
    assert not switch.active


def test_unknown_defects_are_refused() -> None:
    with pytest.raises(DefectError):
        DefectSwitch(test_mode=True).set(["nope"])


def test_a_production_gateway_will_not_start_with_defects(tmp_path: Path) -> None:
    settings = dataclasses.replace(load_settings(env={}), db_path=tmp_path / "g.db", defects=("x_api_key_ignored",))
    with pytest.raises(DefectError):
        create_app(settings)


def test_every_defect_names_checks_that_exist() -> None:
    for defect in DEFECTS.values():
        assert defect.caught_by, defect.name
        for node_id in defect.caught_by:
            path, _, test = node_id.partition("::")
            source = (ROOT / path).read_text()
            assert f"def {test.split('[')[0]}(" in source, f"{defect.name}: {node_id} does not exist"
