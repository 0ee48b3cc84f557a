"""Settings from the environment: where Zoom is and the server-to-server OAuth app.

The secret is a SecretStr: it never shows in a repr, a log line or an error message.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from pydantic import Field, SecretStr, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from zoomstate.errors import ConfigError
from zoomstate.loopback import is_loopback

DEFAULT_API_URL = "https://api.zoom.us/v2"
DEFAULT_OAUTH_URL = "https://zoom.us/oauth/token"
# Each attempt of a request, from sending it to the end of its body, must finish within
# this: httpx's timeout applies to each read, not to the whole answer. Zoom answers in well
# under a second; its biggest pages are a few hundred kB.
DEFAULT_REQUEST_DEADLINE_S = 60.0

# Field name -> environment variable, for messages that name what to set.
ENV_VARS = {
    "account_id": "ZOOM_ACCOUNT_ID",
    "client_id": "ZOOM_CLIENT_ID",
    "client_secret": "ZOOM_CLIENT_SECRET",
    "api_url": "ZOOMSTATE_API_URL",
    "oauth_url": "ZOOMSTATE_OAUTH_URL",
    "request_deadline_s": "ZOOMSTATE_REQUEST_DEADLINE",
}


class ZoomSettings(BaseSettings):
    """Credentials of a Zoom server-to-server OAuth app and the API's addresses."""

    model_config = SettingsConfigDict(extra="ignore", frozen=True, populate_by_name=True)

    account_id: str = Field(min_length=1, validation_alias="ZOOM_ACCOUNT_ID")
    client_id: str = Field(min_length=1, validation_alias="ZOOM_CLIENT_ID")
    client_secret: SecretStr = Field(validation_alias="ZOOM_CLIENT_SECRET")
    api_url: str = Field(DEFAULT_API_URL, validation_alias="ZOOMSTATE_API_URL")
    oauth_url: str = Field(DEFAULT_OAUTH_URL, validation_alias="ZOOMSTATE_OAUTH_URL")
    request_deadline_s: float = Field(
        DEFAULT_REQUEST_DEADLINE_S, gt=0, le=3600, validation_alias="ZOOMSTATE_REQUEST_DEADLINE"
    )


def _url_problem(value: str) -> str:
    if not value.strip():
        return "empty"
    try:
        parts = urlsplit(value)
        host = parts.hostname or ""
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError:
        return "not a URL"
    if parts.scheme not in ("https", "http"):
        return "not an https:// URL"
    if not host:
        return "a URL without a host"
    if parts.username is not None or parts.password is not None:
        return "a URL with a user name or password (the credentials go in ZOOM_CLIENT_*)"
    if parts.scheme == "http" and not is_loopback(host):
        return "plain http is accepted only to this machine (127.0.0.1, ::1, localhost)"
    return ""


def check_url(variable: str, value: str) -> None:
    """An address zoomstate may send the app's credentials to: https, or plain http to
    this machine only (a local sandbox: `zoomstate sandbox serve` serves
    http://127.0.0.1). Anything else is a setting to fix, not a network fault to retry."""
    problem = _url_problem(value)
    if not problem:
        return
    # A URL with credentials in it is not repeated.
    what = variable if "user name" in problem else f"{variable}={value!r}"
    example = DEFAULT_API_URL if variable == ENV_VARS["api_url"] else DEFAULT_OAUTH_URL
    raise ConfigError(
        f"{what}: {problem}; it must be an https:// URL such as {example} "
        "(or http:// to a local sandbox)"
    )


def load_settings() -> ZoomSettings:
    """Read the settings from the environment; a missing credential is a one-line error
    naming the variable to set, an unusable value one naming the variable and why."""
    try:
        settings = ZoomSettings()
    except ValidationError as exc:
        missing = sorted(
            {
                ENV_VARS.get(str(err["loc"][0]), str(err["loc"][0]))
                for err in exc.errors()
                if err["type"] == "missing" or str(err["loc"][0]) in ("account_id", "client_id")
            }
        )
        if missing:
            raise ConfigError(
                f"{', '.join(missing)} not set: zoomstate needs a Zoom server-to-server OAuth "
                "app (see docs/getting-started.md), or --sandbox FILE to use the local sandbox"
            ) from None
        raise ConfigError(
            f"{ENV_VARS['request_deadline_s']}: the seconds each request may take, "
            "a number above 0 and at most 3600"
        ) from None
    check_url(ENV_VARS["api_url"], settings.api_url)
    check_url(ENV_VARS["oauth_url"], settings.oauth_url)
    return settings


__all__ = [
    "DEFAULT_API_URL",
    "DEFAULT_OAUTH_URL",
    "DEFAULT_REQUEST_DEADLINE_S",
    "ZoomSettings",
    "check_url",
    "load_settings",
]
