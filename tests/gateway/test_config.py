from pathlib import Path

from gateway.config import load_settings
from gateway.testing import requested


def test_file_then_environment(tmp_path: Path) -> None:
    config = tmp_path / "gateway.toml"
    config.write_text(
        '[server]\nport = 9000\n[store]\npath = "/tmp/x.db"\n[test]\nmode = true\ndefects = ["x_api_key_ignored"]\n'
        '[upstreams.openai]\nbase_url = "http://up.example"\napi_key = "k1"\n'
    )
    settings = load_settings(config, env={"EMPIRIO_PORT": "9100", "EMPIRIO_UPSTREAM_OPENAI_KEY": "k2"})
    assert settings.port == 9100
    assert settings.db_path == Path("/tmp/x.db")
    assert settings.test_mode and settings.test_options == {"defects": ["x_api_key_ignored"]}
    assert requested(settings, {}) == ("x_api_key_ignored",)
    assert requested(settings, {"EMPIRIO_DEFECTS": "bearer_ignored"}) == ("bearer_ignored",)
    assert settings.upstreams["openai"].base_url == "http://up.example"
    assert settings.upstreams["openai"].api_key == "k2"


def test_defaults_point_at_the_local_mocks() -> None:
    settings = load_settings(env={})
    assert not settings.test_mode and settings.test_options == {} and requested(settings, {}) == ()
    assert all(u.base_url.startswith("http://127.0.0.1:") for u in settings.upstreams.values())
