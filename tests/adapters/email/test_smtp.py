"""The SMTP mailer beyond its contract: URL options, AUTH, TLS, and errors mapped to codes."""

from __future__ import annotations

import datetime as dt
import ipaddress
import ssl
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from b2adapters.email.smtp import Security, SmtpConfig, SmtpMailer
from b2core.platform import model
from b2core.shared import errors
from tests.support import smtp_server
from tests.support.smtp_server import LocalSmtpServer

pytestmark = pytest.mark.anyio
MESSAGE = model.EmailMessage("someone@example.test", "Hello", "Body text")


def test_the_url_gives_host_port_security_and_credentials() -> None:
    config = SmtpConfig.from_url("smtp://mail%40b2.test:p%3Ass@mx.example:2525?timeout=3")
    assert (config.host, config.port, config.security) == ("mx.example", 2525, Security.NONE)
    assert (config.username, config.password, config.timeout_s) == ("mail@b2.test", "p:ss", 3.0)
    assert config.sender == "mail@b2.test"
    assert "p:ss" not in repr(config)


@pytest.mark.parametrize(
    ("url", "port", "security"),
    [
        ("smtp://mx.example", 25, Security.NONE),
        ("smtp://mx.example?starttls=true", 587, Security.STARTTLS),
        ("smtps://mx.example", 465, Security.TLS),
        ("smtps://mx.example:2465?verify=false", 2465, Security.TLS),
    ],
)
def test_default_ports_follow_the_security(url: str, port: int, security: Security) -> None:
    config = SmtpConfig.from_url(url)
    assert (config.port, config.security) == (port, security)
    assert config.sender == "no-reply@mx.example"


@pytest.mark.parametrize(
    "url",
    [
        "http://mx.example",
        "smtp://",
        "smtp://mx.example?starttls=maybe",
        "smtps://mx.example?starttls=true",
        "smtp://mx.example?timeout=soon",
        "smtp://mx.example?timeout=0",
        "smtp://mx.example:99999",
    ],
)
def test_a_bad_url_is_refused_with_a_stable_code(url: str) -> None:
    with pytest.raises(errors.InvalidInput) as caught:
        SmtpConfig.from_url(url)
    assert caught.value.code == "settings.bad_smtp_url"


AUTH_ON_LOOPBACK = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")


@AUTH_ON_LOOPBACK
async def test_it_logs_in_when_the_url_has_credentials() -> None:
    with LocalSmtpServer(credentials=("mailer", "s3cret")) as server:
        await SmtpMailer(SmtpConfig.from_url(server.url("mailer", "s3cret"))).send(MESSAGE)
        assert [m["Subject"] for m in server.to(MESSAGE.to)] == ["Hello"]
        assert server.deliveries[0].message["From"] == "no-reply@127.0.0.1"


@AUTH_ON_LOOPBACK
async def test_wrong_credentials_are_unavailable_and_nothing_is_sent() -> None:
    with LocalSmtpServer(credentials=("mailer", "s3cret")) as server:
        mailer = SmtpMailer(SmtpConfig.from_url(server.url("mailer", "wrong")))
        with pytest.raises(errors.Unavailable) as caught:
            await mailer.send(MESSAGE)
        assert caught.value.code == "email.auth_failed"
        assert server.deliveries == []


async def test_a_refused_recipient_is_invalid_input() -> None:
    with LocalSmtpServer() as server:
        server.refused.add(MESSAGE.to)
        with pytest.raises(errors.InvalidInput) as caught:
            await SmtpMailer(SmtpConfig.from_url(server.url())).send(MESSAGE)
        assert caught.value.code == "email.rejected"
        assert server.deliveries == []


async def test_a_server_that_is_down_is_unavailable() -> None:
    url = f"smtp://127.0.0.1:{smtp_server.free_port()}?timeout=2"
    with pytest.raises(errors.Unavailable) as caught:
        await SmtpMailer(SmtpConfig.from_url(url)).send(MESSAGE)
    assert caught.value.code == "email.unavailable"


async def test_reserved_headers_cannot_be_overridden() -> None:
    with LocalSmtpServer() as server:
        message = model.EmailMessage("a@example.test", "S", "B", headers=(("Bcc", "x@y"),))
        await SmtpMailer(SmtpConfig.from_url(server.url())).send(message)  # Bcc is allowed
        sneaky = model.EmailMessage("a@example.test", "S", "B", headers=(("From", "ceo@b2"),))
        with pytest.raises(errors.InvalidInput) as caught:
            await SmtpMailer(SmtpConfig.from_url(server.url())).send(sneaky)
        assert caught.value.code == "email.bad_header"
        assert len(server.deliveries) == 1


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 and its key, as PEM files."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    folder = tmp_path_factory.mktemp("tls")
    cert_file, key_file = folder / "cert.pem", folder / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_file, key_file


def _server_context(certificate: tuple[Path, Path]) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(*certificate)
    return context


@pytest.mark.parametrize("mode", ["starttls", "smtps"])
async def test_tls_modes_deliver_with_a_trusted_certificate(
    certificate: tuple[Path, Path], mode: str
) -> None:
    with LocalSmtpServer() as sink:
        port = smtp_server.free_port()
        tls = _server_context(certificate)
        options = (
            {"tls_context": tls, "require_starttls": True}
            if mode == "starttls"
            else {"ssl_context": tls}
        )
        controller = Controller(sink.handler, hostname="127.0.0.1", port=port, **options)
        controller.start()
        try:
            scheme, query = ("smtp", "starttls=true&") if mode == "starttls" else ("smtps", "")
            url = f"{scheme}://127.0.0.1:{port}?{query}timeout=3"
            client_tls = ssl.create_default_context(cafile=str(certificate[0]))
            await SmtpMailer(SmtpConfig.from_url(url), ssl_context=client_tls).send(MESSAGE)
            assert [m["Subject"] for m in sink.to(MESSAGE.to)] == ["Hello"]
            # An untrusted certificate is refused: verification is on by default.
            with pytest.raises(errors.Unavailable):
                await SmtpMailer(SmtpConfig.from_url(url)).send(MESSAGE)
        finally:
            controller.stop()
