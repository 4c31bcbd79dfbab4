"""The Temporal connection's settings: plain for the dev server, TLS, mTLS or an API key for a cluster or Cloud."""

from __future__ import annotations

from pathlib import Path

import pytest
from temporalio.service import TLSConfig

from settings import Settings


def test_the_dev_server_is_plain() -> None:
    assert Settings().temporal_tls_config() is False


def test_an_api_key_or_the_flag_means_tls_with_the_system_roots() -> None:
    assert Settings(temporal_api_key="k").temporal_tls_config() is True
    assert Settings(temporal_tls=True).temporal_tls_config() is True


def test_mtls_reads_the_certificate_files(tmp_path: Path) -> None:
    cert, key, ca = tmp_path / "c.pem", tmp_path / "k.pem", tmp_path / "ca.pem"
    for path, text in ((cert, "CERT"), (key, "KEY"), (ca, "CA")):
        path.write_text(text, encoding="ascii")
    tls = Settings(
        temporal_tls_client_cert=cert,
        temporal_tls_client_key=key,
        temporal_tls_server_ca=ca,
        temporal_tls_server_name="ns.tmprl.cloud",
    ).temporal_tls_config()
    assert isinstance(tls, TLSConfig)
    assert (tls.client_cert, tls.client_private_key, tls.server_root_ca_cert, tls.domain) == (
        b"CERT",
        b"KEY",
        b"CA",
        "ns.tmprl.cloud",
    )


def test_a_certificate_without_its_key_is_refused(tmp_path: Path) -> None:
    cert = tmp_path / "c.pem"
    cert.write_text("CERT", encoding="ascii")
    with pytest.raises(ValueError, match="go together"):
        Settings(temporal_tls_client_cert=cert).temporal_tls_config()
