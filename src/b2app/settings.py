"""Settings: one attrs class built from ``B2_*`` environment variables through cattrs."""

from __future__ import annotations

import enum
import os
import secrets
from collections.abc import Mapping
from typing import Any

import attrs
import cattrs

from b2core.shared import errors

PREFIX = "B2_"
MIN_SECRET_LENGTH = 32
_SECRET_FIELDS = frozenset(
    {
        "jwt_secret",
        "jwt_previous_secrets",
        "bootstrap_admin_password",
        "llm_api_key",
        "stripe_secret_key",
        "stripe_webhook_secret",
        "field_encryption_key",
    }
)


class Mode(enum.StrEnum):
    """``demo`` runs on embedded defaults and may invent secrets; ``production`` never does."""

    DEMO = "demo"
    PRODUCTION = "production"


def _env_name(attribute: attrs.Attribute[Any]) -> str:
    return PREFIX + attribute.name.upper()


def _between(low: int, high: int) -> Any:
    def check(_: object, attribute: attrs.Attribute[int], value: int) -> None:
        if not low <= value <= high:
            raise ValueError(f"{_env_name(attribute)} must be between {low} and {high}")

    return check


def _one_of(*choices: str) -> Any:
    def check(_: object, attribute: attrs.Attribute[str], value: str) -> None:
        if value not in choices:
            raise ValueError(f"{_env_name(attribute)} must be one of {', '.join(choices)}")

    return check


def _check_url(_: object, attribute: attrs.Attribute[Any], value: str | None) -> None:
    if value is not None and "://" not in value:
        raise ValueError(f"{_env_name(attribute)} must be a URL such as scheme://host/...")


@attrs.frozen
class Settings:
    """Every knob of b2. Unset URLs mean the embedded default adapter for that port."""

    mode: Mode = Mode.DEMO
    host: str = "127.0.0.1"
    port: int = attrs.field(default=8000, validator=_between(1, 65535))
    data_dir: str = "var"
    database_url: str | None = attrs.field(default=None, validator=_check_url)
    redis_url: str | None = attrs.field(default=None, validator=_check_url)
    redis_prefix: str = "b2:"
    broker_url: str | None = attrs.field(default=None, validator=_check_url)
    llm_url: str | None = attrs.field(default=None, validator=_check_url)
    llm_api_key: str | None = None
    llm_model: str | None = None
    jwt_secret: str | None = None
    jwt_previous_secrets: str | None = None  # comma-separated; still accepted, never signed with
    jwt_issuer: str = "b2"
    jwt_audience: str = "b2-api"
    bcrypt_cost: int = attrs.field(default=10, validator=_between(4, 16))
    field_encryption_key: str | None = None
    bootstrap_admin_email: str | None = None
    bootstrap_admin_password: str | None = None
    whatsapp_graph_url: str = attrs.field(
        default="https://graph.facebook.com/v21.0", validator=_check_url
    )
    stripe_secret_key: str | None = None
    stripe_webhook_secret: str | None = None
    stripe_api_base: str | None = attrs.field(default=None, validator=_check_url)
    smtp_url: str | None = attrs.field(default=None, validator=_check_url)
    secrets_url: str | None = attrs.field(default=None, validator=_check_url)  # env:// default
    log_level: str = attrs.field(
        default="INFO", validator=_one_of("DEBUG", "INFO", "WARNING", "ERROR")
    )
    log_json: bool = True
    in_process_worker: bool = True
    tracing: str = attrs.field(default="none", validator=_one_of("none", "console", "otel"))
    media_url: str | None = attrs.field(default=None, validator=_check_url)  # file:// or s3://
    media_max_mb: int = attrs.field(default=16, validator=_between(1, 100))

    @property
    def effective_database_url(self) -> str:
        """The database URL, defaulting to a SQLite file under ``data_dir``.

        ``memory://`` selects the in-memory adapters (one process, nothing persisted).
        """
        return self.database_url or f"sqlite+aiosqlite:///{self.data_dir}/b2.db"

    def redacted(self) -> dict[str, Any]:
        """Every setting as plain data with secrets replaced by ``"***"``."""
        plain: dict[str, Any] = _converter.unstructure(self)
        for name in _SECRET_FIELDS:
            if plain.get(name):
                plain[name] = "***"
        plain["effective_database_url"] = _redact_url(self.effective_database_url)
        for name in (
            "database_url",
            "redis_url",
            "broker_url",
            "llm_url",
            "smtp_url",
            "secrets_url",
        ):
            if plain.get(name):
                plain[name] = _redact_url(plain[name])
        return plain


def _redact_url(url: str) -> str:
    scheme, sep, rest = url.partition("://")
    if not sep or "@" not in rest:
        return url
    credentials, _, host = rest.rpartition("@")
    user = credentials.split(":", 1)[0]
    return f"{scheme}://{user}:***@{host}" if ":" in credentials else url


def _make_converter() -> cattrs.Converter:
    converter = cattrs.Converter()

    def to_bool(value: object, _: type) -> bool:
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in ("1", "true", "yes", "on"):
            return True
        if text in ("0", "false", "no", "off"):
            return False
        raise ValueError(f"expected true/false, got {value!r}")

    converter.register_structure_hook(bool, to_bool)
    converter.register_structure_hook(int, lambda value, _: int(str(value).strip()))
    return converter


_converter = _make_converter()


def from_env(environ: Mapping[str, str] | None = None) -> Settings:
    """Read ``B2_*`` variables, validate them and apply the mode's rules about secrets.

    Raises ``errors.InvalidInput`` (code ``settings.invalid``) naming every bad variable.
    """
    env = os.environ if environ is None else environ
    fields = {a.name for a in attrs.fields(Settings)}
    raw: dict[str, str | None] = {
        name: value
        for key, value in env.items()
        if key.startswith(PREFIX) and (name := key[len(PREFIX) :].lower()) in fields
    }
    raw = {k: (None if v == "" else v) for k, v in raw.items()}
    try:
        settings = _converter.structure(raw, Settings)
    except (cattrs.ClassValidationError, ValueError, TypeError) as exc:
        problems = _describe(exc)
        raise errors.InvalidInput(
            "invalid settings: " + "; ".join(problems), code="settings.invalid"
        ) from exc
    return _with_secrets(settings)


def _describe(exc: BaseException) -> list[str]:
    """Flatten cattrs' nested errors into ``B2_NAME: reason`` lines."""
    if isinstance(exc, cattrs.ClassValidationError):
        lines: list[str] = []
        for inner in exc.exceptions:
            names = [n.name for n in getattr(inner, "__notes__", []) if hasattr(n, "name")]
            label = f"{PREFIX}{names[0].upper()}: " if names else ""
            lines += [label + line for line in _describe(inner)]
        return lines
    return [str(exc)]


def _with_secrets(settings: Settings) -> Settings:
    secret = settings.jwt_secret
    if settings.mode is Mode.PRODUCTION:
        if secret is None or len(secret) < MIN_SECRET_LENGTH:
            raise errors.InvalidInput(
                f"production mode needs B2_JWT_SECRET of at least {MIN_SECRET_LENGTH} characters",
                code="settings.jwt_secret_required",
            )
        return settings
    if secret is not None and len(secret) < MIN_SECRET_LENGTH:
        raise errors.InvalidInput(
            f"B2_JWT_SECRET must have at least {MIN_SECRET_LENGTH} characters",
            code="settings.jwt_secret_too_short",
        )
    if secret is None:
        return attrs.evolve(settings, jwt_secret=GENERATED_MARK + secrets.token_urlsafe(48))
    return settings


# A demo secret carries this mark so that the app can say it invented one.
GENERATED_MARK = "demo-generated:"


def secret_was_generated(settings: Settings) -> bool:
    """True when the JWT secret was invented for a demo run (tokens die with the process)."""
    return (settings.jwt_secret or "").startswith(GENERATED_MARK)
