import dataclasses
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from gateway.app import create_app
from gateway.config import SettingsError, load_settings
from gateway.testing import DEFECTS, ActiveDefects, DefectError
from gateway.testing.registry import defect
from suites import ROOT
from tests.defects import CAUGHT_BY


def test_active_defects_switch_by_name() -> None:
    active = ActiveDefects()
    name = next(iter(DEFECTS))
    active.set([name])
    assert active.on(name) and active.names == {name}
    active.set([])
    assert not active.on(name) and not active.names


def test_unknown_defects_are_refused() -> None:
    active = ActiveDefects()
    with pytest.raises(DefectError):
        active.set(["nope"])
    assert not active.names


def test_a_defect_name_is_declared_once() -> None:
    with pytest.raises(DefectError):
        defect(next(iter(DEFECTS)), "again")


def test_a_production_gateway_will_not_start_with_defects(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    settings = dataclasses.replace(load_settings(env={}), db_path=tmp_path / "g.db",
                                   test_options={"defects": ["x_api_key_ignored"]})
    with pytest.raises(SettingsError):
        create_app(settings)
    monkeypatch.setenv("EMPIRIO_DEFECTS", "x_api_key_ignored")
    with pytest.raises(SettingsError):
        create_app(dataclasses.replace(load_settings(env={}), db_path=tmp_path / "g.db"))


def test_a_production_gateway_serves_no_control_api(tmp_path: Path) -> None:
    app = create_app(dataclasses.replace(load_settings(env={}), db_path=tmp_path / "g.db"))
    assert not any(getattr(route, "path", "").startswith("/__test__/") for route in app.router.routes)


def test_a_test_mode_gateway_starts_with_defects_on(tmp_path: Path) -> None:
    name = next(iter(DEFECTS))
    settings = dataclasses.replace(load_settings(env={}), db_path=tmp_path / "g.db", test_mode=True,
                                   test_options={"defects": [name]})
    with TestClient(create_app(settings)) as client:
        assert client.get("/__test__/defects").json()["active"] == [name]


def test_every_defect_names_checks_that_exist() -> None:
    assert set(CAUGHT_BY) == set(DEFECTS)
    for name, node_ids in CAUGHT_BY.items():
        assert node_ids, name
        for node_id in node_ids:
            path, _, test = node_id.partition("::")
            source = (ROOT / path).read_text()
            assert f"def {test.split('[')[0]}(" in source, f"{name}: {node_id} does not exist"
