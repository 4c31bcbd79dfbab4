"""The Temporal client of every composition root (worker, API, demo seeding): one data converter for all of them.

Every payload is encrypted with its case's data key (``store.codec``); the keys live in the read-model database,
wrapped by the master key from settings. A process that reads or writes case payloads without this converter sees
(or writes) something the others cannot use, so nothing else connects to Temporal for payloads.
"""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker
from temporalio.client import Client

from settings import Settings
from store.codec import encrypted_data_converter
from store.crypto import DataKeys, MasterKey
from workflows.ids import case_of_workflow_id


def data_keys(settings: Settings, sessions: sessionmaker[Session]) -> DataKeys:
    return DataKeys(sessions, MasterKey(settings.master_key_bytes()), cache_ttl=settings.key_cache_seconds)


async def connect_temporal(settings: Settings, keys: DataKeys | None = None) -> Client:
    """The client of the Temporal server in settings (TLS, mTLS or an API key for a cluster or Temporal Cloud);
    with ``keys`` it carries the payload codec (every process that reads or writes case payloads passes them)."""
    api_key = settings.temporal_api_key.get_secret_value() if settings.temporal_api_key else None
    if keys is None:
        return await Client.connect(
            settings.temporal_address,
            namespace=settings.temporal_namespace,
            tls=settings.temporal_tls_config(),
            api_key=api_key,
        )
    return await Client.connect(
        settings.temporal_address,
        namespace=settings.temporal_namespace,
        tls=settings.temporal_tls_config(),
        api_key=api_key,
        data_converter=encrypted_data_converter(keys, case_of_workflow_id),
    )
