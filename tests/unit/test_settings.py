from __future__ import annotations

from pathlib import Path

import pytest

from seclake.errors import ConfigError
from seclake.settings import SETTING_NAMES, Settings, env_var, load_settings, setting_help


def test_defaults() -> None:
    s = load_settings(environ={}, config_file=Path("/nonexistent.toml"))
    assert s == Settings()
    assert s.port == 8040
    assert s.retention_days == 365


def test_precedence_flag_env_file(tmp_path: Path) -> None:
    cfg = tmp_path / "seclake.toml"
    cfg.write_text('[seclake]\nport = 9000\nhost = "0.0.0.0"\nretention-days = 30\n')
    env = {"SECLAKE_PORT": "9100", "SECLAKE_LOG_LEVEL": "DEBUG"}
    s = load_settings({"port": 9200, "host": None}, environ=env, config_file=cfg)
    assert s.port == 9200  # flag wins
    assert s.log_level == "DEBUG"  # env
    assert s.host == "0.0.0.0"  # file (flag None = not given)
    assert s.retention_days == 30
    assert load_settings(environ=env, config_file=cfg).port == 9100


def test_errors_name_setting_and_source(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="SECLAKE_PORT"):
        load_settings(environ={"SECLAKE_PORT": "eighty"}, config_file=tmp_path / "none.toml")
    cfg = tmp_path / "seclake.toml"
    cfg.write_text("bogus = 1\n")
    with pytest.raises(ConfigError, match="unknown setting 'bogus'"):
        load_settings(environ={}, config_file=cfg)
    cfg.write_text("port = [\n")
    with pytest.raises(ConfigError, match=str(cfg)):
        load_settings(environ={}, config_file=cfg)


def test_every_setting_documented() -> None:
    for name in SETTING_NAMES:
        assert setting_help(name).strip(), name
        assert env_var(name) == "SECLAKE_" + name.upper()


def test_the_token_never_shows_in_repr() -> None:
    s = load_settings({"token": "sl0c01.abc.secret-part"}, environ={}, config_file=Path("/none.toml"))
    assert s.token == "sl0c01.abc.secret-part"
    assert "secret-part" not in repr(s)
