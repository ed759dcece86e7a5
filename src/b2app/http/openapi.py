"""The OpenAPI document of the API: title, version and the bearer security scheme."""

from __future__ import annotations

from importlib import metadata

from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import JsonRenderPlugin, SwaggerRenderPlugin, YamlRenderPlugin
from litestar.openapi.spec import Components, SecurityRequirement, SecurityScheme

TITLE = "b2 API"
SCHEMA_PATH = "/schema"
BEARER = "BearerToken"
# Protected routers and controllers pass this as ``security=``; public routes leave it out.
BEARER_SECURITY: list[SecurityRequirement] = [{BEARER: []}]


def package_version() -> str:
    """The installed version of b2, or ``0.0.0`` when running from an uninstalled tree."""
    try:
        return metadata.version("b2automate")
    except metadata.PackageNotFoundError:
        return "0.0.0"


def openapi_config() -> OpenAPIConfig:
    """Serve the schema at ``/schema`` (Swagger UI) and ``/schema/openapi.json`` / ``.yaml``."""
    scheme = SecurityScheme(
        type="http",
        scheme="bearer",
        bearer_format="JWT",
        description="Access token from POST /api/v1/auth/login.",
    )
    return OpenAPIConfig(
        title=TITLE,
        version=package_version(),
        path=SCHEMA_PATH,
        components=Components(security_schemes={BEARER: scheme}),
        render_plugins=[SwaggerRenderPlugin(path="/"), JsonRenderPlugin(), YamlRenderPlugin()],
        use_handler_docstrings=True,
    )
