"""Settings from the environment: where Zoom is and the server-to-server OAuth app.

The secret is a SecretStr: it never shows in a repr, a log line or an error message.
"""

from __future__ import annotations

from pydantic import Field, SecretStr, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from zoomstate.errors import ConfigError

DEFAULT_API_URL = "https://api.zoom.us/v2"
DEFAULT_OAUTH_URL = "https://zoom.us/oauth/token"

# Field name -> environment variable, for messages that name what to set.
ENV_VARS = {
    "account_id": "ZOOM_ACCOUNT_ID",
    "client_id": "ZOOM_CLIENT_ID",
    "client_secret": "ZOOM_CLIENT_SECRET",
    "api_url": "ZOOMSTATE_API_URL",
    "oauth_url": "ZOOMSTATE_OAUTH_URL",
}


class ZoomSettings(BaseSettings):
    """Credentials of a Zoom server-to-server OAuth app and the API's addresses."""

    model_config = SettingsConfigDict(extra="ignore", frozen=True, populate_by_name=True)

    account_id: str = Field(min_length=1, validation_alias="ZOOM_ACCOUNT_ID")
    client_id: str = Field(min_length=1, validation_alias="ZOOM_CLIENT_ID")
    client_secret: SecretStr = Field(validation_alias="ZOOM_CLIENT_SECRET")
    api_url: str = Field(DEFAULT_API_URL, validation_alias="ZOOMSTATE_API_URL")
    oauth_url: str = Field(DEFAULT_OAUTH_URL, validation_alias="ZOOMSTATE_OAUTH_URL")


def load_settings() -> ZoomSettings:
    """Read the settings from the environment; a missing credential is a one-line error
    naming the variable to set."""
    try:
        return ZoomSettings()
    except ValidationError as exc:
        names = sorted(
            {ENV_VARS.get(str(err["loc"][0]), str(err["loc"][0])) for err in exc.errors()}
        )
        raise ConfigError(
            f"{', '.join(names)} not set: zoomstate needs a Zoom server-to-server OAuth app "
            "(see docs/getting-started.md), or --sandbox FILE to use the local sandbox"
        ) from None


__all__ = ["DEFAULT_API_URL", "DEFAULT_OAUTH_URL", "ZoomSettings", "load_settings"]
