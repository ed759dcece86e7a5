"""Redis URLs: the standalone, Sentinel and Cluster forms, parsed strictly with clear errors."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Literal
from urllib.parse import parse_qsl, unquote, urlsplit

import attrs

from b2core.shared import errors

Kind = Literal["standalone", "sentinel", "cluster"]

ERROR_CODE = "settings.bad_redis_url"

# scheme -> (kind, TLS, default port)
_SCHEMES: dict[str, tuple[Kind, bool, int]] = {
    "redis": ("standalone", False, 6379),
    "rediss": ("standalone", True, 6379),
    "unix": ("standalone", False, 0),
    "redis+sentinel": ("sentinel", False, 26379),
    "redis+cluster": ("cluster", False, 6379),
}
_FORMS = (
    "redis://[[user]:password@]host[:port][/db], rediss://..., unix://[[user]:password@]/path"
    "[?db=N], redis+sentinel://[[user]:password@]host:port[,host:port]/service[/db], "
    "redis+cluster://[[user]:password@]host:port[,host:port]"
)


class _BadUrl(Exception):
    """A problem found while parsing; :func:`parse` turns it into ``errors.InvalidInput``."""


def _number(convert: Callable[[str], float], minimum: float) -> Callable[[str], float]:
    def check(text: str) -> float:
        try:
            value = convert(text)
        except ValueError:
            raise _BadUrl(f"{text!r} is not a number") from None
        if value < minimum:
            raise _BadUrl(f"{text!r} is below {minimum}")
        return value

    return check


def _flag(text: str) -> bool:
    lowered = text.lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off"):
        return False
    raise _BadUrl(f"option 'ssl' must be true or false, not {text!r}")


def _text(text: str) -> str:
    if not text:
        raise _BadUrl("empty value")
    return text


# Query options every scheme accepts, and how each is checked.
_OPTIONS: dict[str, Callable[[str], object]] = {
    "socket_timeout": _number(float, 0.001),
    "socket_connect_timeout": _number(float, 0.001),
    "health_check_interval": _number(int, 0),
    "max_connections": _number(int, 1),
    "client_name": _text,
}
# Query options only some kinds accept; their values are checked where they are used.
_KIND_OPTIONS: dict[str, tuple[Kind, ...]] = {
    "db": ("standalone", "sentinel"),
    "ssl": ("sentinel", "cluster"),
    "sentinel_password": ("sentinel",),
}


@attrs.frozen
class Endpoint:
    """One host and port to reach: a Redis server, a Sentinel or a Cluster seed node."""

    host: str
    port: int


@attrs.frozen
class RedisUrl:
    """Everything a Redis URL says, checked. Passwords are kept out of ``repr``."""

    kind: Kind
    endpoints: tuple[Endpoint, ...] = ()
    unix_path: str | None = None
    tls: bool = False
    db: int = 0
    username: str | None = None
    password: str | None = attrs.field(default=None, repr=False)
    service_name: str | None = None
    sentinel_password: str | None = attrs.field(default=None, repr=False)
    options: Mapping[str, object] = attrs.field(factory=dict)


def parse(url: str) -> RedisUrl:
    """Parse ``url`` into a :class:`RedisUrl`.

    Raises:
        errors.InvalidInput: code ``settings.bad_redis_url``; the message names the problem
            but never repeats the URL, which may hold a password.
    """
    scheme = url.partition("://")[0].lower() if "://" in url else ""
    try:
        return _parse(url, scheme)
    except _BadUrl as exc:
        where = f" ({scheme})" if scheme in _SCHEMES else ""
        raise errors.InvalidInput(f"bad Redis URL{where}: {exc}", code=ERROR_CODE) from None


def _parse(url: str, scheme: str) -> RedisUrl:
    if scheme not in _SCHEMES:
        raise _BadUrl(f"unknown or missing scheme; expected one of: {_FORMS}")
    kind, tls, default_port = _SCHEMES[scheme]
    try:
        parts = urlsplit(url)
    except ValueError as exc:
        raise _BadUrl(str(exc)) from None
    if parts.fragment:
        raise _BadUrl("a '#fragment' is not allowed")
    userinfo, _, hosts = parts.netloc.rpartition("@")
    username, password = _credentials(userinfo)
    raw = _query(parts.query, kind)
    endpoints: tuple[Endpoint, ...] = ()
    unix_path = service_name = None
    if scheme == "unix":
        unix_path, path_db = _unix_path(hosts, parts.path), None
    else:
        endpoints = _endpoints(hosts, default_port, single=kind == "standalone")
        service_name, path_db = _path(kind, parts.path)
    return RedisUrl(
        kind=kind,
        endpoints=endpoints,
        unix_path=unix_path,
        tls=tls or _flag(raw.pop("ssl", "false")),
        db=_pick_db(path_db, raw.pop("db", None)),
        username=username,
        password=password,
        service_name=service_name,
        sentinel_password=_credential(raw.pop("sentinel_password", None)),
        options={name: _option(name, value) for name, value in raw.items()},
    )


def _credentials(userinfo: str) -> tuple[str | None, str | None]:
    if not userinfo:
        return None, None
    user, has_password, password = userinfo.partition(":")
    if has_password and not password:
        raise _BadUrl("empty password after ':'")
    return _credential(user), _credential(password)


def _credential(text: str | None) -> str | None:
    return unquote(text) if text else None


def _query(query: str, kind: Kind) -> dict[str, str]:
    try:
        pairs = parse_qsl(query, keep_blank_values=True, strict_parsing=bool(query))
    except ValueError:
        raise _BadUrl("malformed query string") from None
    raw: dict[str, str] = {}
    for name, value in pairs:
        if name in raw:
            raise _BadUrl(f"option {name!r} is given twice")
        if name in _KIND_OPTIONS and kind not in _KIND_OPTIONS[name]:
            hint = " (use rediss:// for TLS)" if name == "ssl" else ""
            raise _BadUrl(f"option {name!r} does not apply to {kind} URLs{hint}")
        if name not in _OPTIONS and name not in _KIND_OPTIONS:
            known = ", ".join(sorted({*_OPTIONS, *_KIND_OPTIONS}))
            raise _BadUrl(f"unknown option {name!r}; known options: {known}")
        raw[name] = value
    return raw


def _option(name: str, value: str) -> object:
    try:
        return _OPTIONS[name](value)
    except _BadUrl as exc:
        raise _BadUrl(f"option {name!r}: {exc}") from None


def _pick_db(from_path: int | None, from_query: str | None) -> int:
    if from_query is None:
        return from_path or 0
    if from_path is not None:
        raise _BadUrl("the database is given twice (in the path and as ?db=)")
    return _database(from_query)


def _database(text: str) -> int:
    if not text.isdigit() or len(text) > 5:
        raise _BadUrl(f"database {text!r} is not a small non-negative integer")
    return int(text)


def _endpoints(hosts: str, default_port: int, *, single: bool) -> tuple[Endpoint, ...]:
    if not hosts:
        raise _BadUrl("no host given")
    found = tuple(_endpoint(item, default_port) for item in hosts.split(","))
    if single and len(found) > 1:
        raise _BadUrl("only one host is allowed here; list several only for Sentinel or Cluster")
    return found


def _endpoint(text: str, default_port: int) -> Endpoint:
    if text.startswith("["):  # IPv6 literal, [::1]:6379
        host, closed, rest = text[1:].partition("]")
        if not closed or (rest and not rest.startswith(":")):
            raise _BadUrl(f"malformed IPv6 host {text!r}")
        port_text = rest[1:] if rest else None
    else:
        host, has_port, port_text_or_empty = text.partition(":")
        port_text = port_text_or_empty if has_port else None
    if not host or any(c.isspace() or c in "/?#@[]" for c in host):
        raise _BadUrl(f"malformed host {text!r}")
    if port_text is None:
        return Endpoint(host, default_port)
    if not port_text.isdigit() or not 0 < int(port_text) < 65536:
        raise _BadUrl(f"port of {text!r} must be a number from 1 to 65535")
    return Endpoint(host, int(port_text))


def _path(kind: Kind, path: str) -> tuple[str | None, int | None]:
    """Service name and database from ``/<db>`` or, for Sentinel, ``/<service>[/<db>]``."""
    segments = [unquote(s) for s in path.strip("/").split("/")] if path.strip("/") else []
    if kind == "cluster":
        if segments and segments != ["0"]:
            raise _BadUrl("Redis Cluster has only database 0; leave the path empty")
        return None, None
    if kind == "standalone":
        if len(segments) > 1:
            raise _BadUrl("the path is the database number, e.g. /0")
        return None, _database(segments[0]) if segments else None
    if not segments or not segments[0] or len(segments) > 2:
        raise _BadUrl("the path must be /<service_name>[/<db>]")
    return segments[0], _database(segments[1]) if len(segments) == 2 else None


def _unix_path(hosts: str, path: str) -> str:
    if hosts:
        raise _BadUrl("unix:// takes no host; write unix:///path/to/redis.sock")
    if not path.strip("/"):
        raise _BadUrl("unix:// needs the socket path, e.g. unix:///run/redis.sock")
    return unquote(path)
