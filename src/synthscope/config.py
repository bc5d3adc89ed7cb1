"""Typed settings from the environment (``SYNTHSCOPE_*``) and an optional ``synthscope.toml``.

Precedence, highest first: explicit arguments (CLI options), environment, ``synthscope.toml`` in the
working directory (or the file named by ``SYNTHSCOPE_CONFIG``), defaults. Defaults hold no absolute
paths: the database lives in the user data directory that platformdirs names for this machine.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal

import platformdirs
from pydantic import Field, SecretStr, ValidationError
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from synthscope.errors import UsageError

Lang = Literal["zh", "en"]


def default_data_dir() -> Path:
    """The per-user data directory (created on first use, not here)."""
    return Path(platformdirs.user_data_dir("synthscope", appauthor=False))


def default_database_url() -> str:
    """SQLite file in the user data directory."""
    return f"sqlite:///{default_data_dir() / 'synthscope.db'}"


def _toml_path() -> Path:
    return Path(os.environ.get("SYNTHSCOPE_CONFIG", "synthscope.toml"))


class Settings(BaseSettings):
    """Everything synthscope can be configured with; see README for each field."""

    model_config = SettingsConfigDict(env_prefix="SYNTHSCOPE_", extra="ignore")

    database_url: str = Field(default_factory=default_database_url)
    lang: Lang = "en"
    log_level: str = "WARNING"
    keyword_dirs: list[Path] = Field(default_factory=list)
    content_keywords: str = "content"
    research_keywords: str = "research"
    batch_size: int = Field(default=100_000, ge=1, le=100_000)
    bootstrap_samples: int = Field(default=1000, ge=10, le=100_000)
    # Live sources: base URLs (mirrors, proxies, tests), minimum seconds between requests (None:
    # the source's published limit) and credentials, which are never logged or stored.
    arxiv_base_url: str | None = None
    github_base_url: str | None = None
    youtube_base_url: str | None = None
    tiktok_base_url: str | None = None
    arxiv_interval: float | None = Field(default=None, ge=0)
    github_interval: float | None = Field(default=None, ge=0)
    youtube_interval: float | None = Field(default=None, ge=0)
    tiktok_interval: float | None = Field(default=None, ge=0)
    http_attempts: int = Field(default=5, ge=1, le=20)
    http_backoff: float = Field(default=2.0, ge=0)
    github_token: SecretStr | None = None
    youtube_api_key: SecretStr | None = None
    tiktok_client_key: SecretStr | None = None
    tiktok_client_secret: SecretStr | None = None
    # Web service (synthscope serve): uploads live outside any served folder, under random names.
    service_upload_dir: Path | None = None
    service_max_upload_bytes: int = Field(default=50_000_000, ge=1)
    service_rate_limit: int = Field(default=600, ge=1)  # requests per minute per API key
    service_public_rate_limit: int = Field(default=60, ge=1)  # page uploads per minute per client
    service_sync_wait_s: float = Field(default=2.0, ge=0)  # POST /checks waits for a 200 (0: 202)
    service_workers: int = Field(default=2, ge=1, le=64)
    service_cors_origins: list[str] = Field(default_factory=list)  # closed by default
    # Across worker processes (serve --workers): a job whose process sends no heartbeat for this
    # long is failed as interrupted; finished jobs and kept uploads are deleted after their TTL.
    service_job_lease_s: float = Field(default=30.0, ge=1)
    service_job_ttl_s: float = Field(default=30 * 86_400.0, gt=0)
    service_kept_upload_ttl_s: float = Field(default=7 * 86_400.0, gt=0)
    # check/label: limits enforced before decoding, and C2PA trust (none: built-in defaults only)
    max_bytes: int = Field(default=2_000_000_000, ge=1)
    max_pixels: int = Field(default=100_000_000, ge=1)
    max_duration_s: float = Field(default=4 * 3600, gt=0)
    max_frames: int = Field(default=1_000_000, ge=1)
    c2pa_trust_anchors: Path | None = None
    c2pa_settings: Path | None = None
    aigc_signing_key: Path | None = None  # Ed25519 PEM: sign ReservedCode1/2 when labelling
    aigc_public_keys: list[Path] = Field(default_factory=list)  # verify those signatures
    label_font: Path | None = None  # a CJK font for visible labels (default: found in system fonts)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        toml = TomlConfigSettingsSource(settings_cls, toml_file=_toml_path())
        return (init_settings, env_settings, toml)


def load_settings(**overrides: Any) -> Settings:
    """Build settings; ``overrides`` whose value is None are ignored.

    Raises:
        UsageError: a setting has an invalid value or synthscope.toml cannot be parsed.
    """
    given = {k: v for k, v in overrides.items() if v is not None}
    try:
        return Settings(**given)
    except ValidationError as exc:
        first = exc.errors()[0]
        name = ".".join(str(p) for p in first["loc"])
        raise UsageError(f"Invalid setting {name}: {first['msg']}.") from exc
    except (OSError, ValueError) as exc:
        raise UsageError(f"Cannot read {_toml_path()}: {exc}.") from exc
