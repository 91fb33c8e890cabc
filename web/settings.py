"""All settings of a Rollcall process, read once at start-up by the composition root.

Environment variables carry the `ROLLCALL_` prefix and `__` between nested names
(`ROLLCALL_RECOGNIZER__MATCH_THRESHOLD=0.45`); a `.env` file in the working folder is read
too. The database is the one exception: the conventional plain `DATABASE_URL` sets
`store.database_url`, so a cluster's standard secret works unchanged.
"""

from __future__ import annotations

from typing import Any

from pydantic import AliasChoices, Field, ValidationError, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from recognizer.config import RecognizerConfig
from recognizer.presence.config import PresenceConfig
from store.config import PrivacyConfig, StoreConfig
from streamer.config import StreamerConfig
from web.demo.config import DemoConfig
from web.http.config import ServiceConfig


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="ROLLCALL_",
        env_nested_delimiter="__",
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
    )

    recognizer: RecognizerConfig = Field(default_factory=RecognizerConfig)
    store: StoreConfig = Field(default_factory=StoreConfig)
    streamer: StreamerConfig = Field(default_factory=StreamerConfig)
    service: ServiceConfig = Field(default_factory=ServiceConfig)
    presence: PresenceConfig = Field(default_factory=PresenceConfig)
    demo: DemoConfig = Field(default_factory=DemoConfig)
    privacy: PrivacyConfig = Field(default_factory=PrivacyConfig)
    database_url: str | None = Field(
        default=None,
        validation_alias=AliasChoices("DATABASE_URL", "ROLLCALL_DATABASE_URL"),
        description="postgresql:// URL; unset starts an embedded PostgreSQL",
        repr=False,
    )

    @model_validator(mode="before")
    @classmethod
    def _database_url_feeds_store(cls, data: Any) -> Any:
        # DATABASE_URL wins over a nested store setting: it is what operators set.
        if isinstance(data, dict):
            url = data.get("DATABASE_URL") or data.get("database_url")
            if url:
                store = dict(data.get("store") or {})
                store["database_url"] = url
                data = {**data, "store": store}
        return data


ENV_PREFIX = "ROLLCALL_"


def environment_name(location: tuple[int | str, ...]) -> str:
    """The variable that sets a setting: ('streamer', 'analysis_fps') is
    ROLLCALL_STREAMER__ANALYSIS_FPS."""
    return ENV_PREFIX + "__".join(str(part).upper() for part in location)


def setting_problems(error: ValidationError) -> str:
    """Which settings are wrong and why, by the variables an operator sets, without their
    values (a URL may hold a password)."""
    problems = []
    for problem in error.errors(include_url=False, include_input=False):
        name = environment_name(problem["loc"]) if problem["loc"] else "the settings"
        if problem["type"] == "extra_forbidden":
            problems.append(f"{name}: no such setting (see README's Configuration)")
        else:
            problems.append(f"{name}: {problem['msg']}")
    return "; ".join(problems)
