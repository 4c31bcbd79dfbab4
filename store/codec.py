"""The payload codec: every Temporal payload encrypted (AES-256-GCM) with the data key of the case it belongs to.

Temporal hands the codec a serialization context naming the workflow a payload belongs to (the case workflow, one
of its program children, the workflow that scheduled an activity). ``key_of`` (from ``workflows.ids``) turns that
workflow id into the case id whose key encrypts it; a payload of no case uses the ``system`` key. The encrypted
payload names its key in its metadata, so decoding needs no context: a history, an export or the Temporal UI's codec
server can be decoded by whoever holds the keys (``web.audit.codec``), and by no one once the key is erased.

The payload's metadata other than ours (its original encoding) is inside the ciphertext; the key id is associated
data, so a ciphertext moved under another case's key id fails to decrypt.
"""

from __future__ import annotations

import asyncio
import dataclasses
import os
from collections.abc import Callable, Sequence
from typing import Self

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from temporalio.api.common.v1 import Payload
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.converter import (
    DataConverter,
    DefaultFailureConverterWithEncodedAttributes,
    PayloadCodec,
    SerializationContext,
    WithSerializationContext,
)

from store.crypto import NONCE_BYTES, SYSTEM_KEY, DataKeys

ENCODING = b"binary/yorisoi-aes256gcm"
KEY_METADATA = "yorisoi-key"


class CaseKeyCodec(PayloadCodec, WithSerializationContext):
    def __init__(self, keys: DataKeys, key_of: Callable[[str], str | None], key_id: str = SYSTEM_KEY) -> None:
        self._keys = keys
        self._key_of = key_of
        self.key_id = key_id

    @property
    def keys(self) -> DataKeys:
        return self._keys

    def with_context(self, context: SerializationContext) -> Self:
        workflow_id = getattr(context, "workflow_id", None)
        key_id = (self._key_of(workflow_id) if workflow_id else None) or SYSTEM_KEY
        return type(self)(self._keys, self._key_of, key_id)

    async def _key(self, key_id: str, *, create: bool) -> bytes:
        cached = self._keys.cached(key_id)
        if cached is not None:
            return cached
        return await asyncio.to_thread(self._keys.get, key_id, create=create)

    async def encode(self, payloads: Sequence[Payload]) -> list[Payload]:
        if not payloads:
            return []
        aead = AESGCM(await self._key(self.key_id, create=True))
        aad = self.key_id.encode("utf-8")
        encoded = []
        for payload in payloads:
            nonce = os.urandom(NONCE_BYTES)
            encoded.append(
                Payload(
                    metadata={"encoding": ENCODING, KEY_METADATA: aad},
                    data=nonce + aead.encrypt(nonce, payload.SerializeToString(), aad),
                )
            )
        return encoded

    async def decode(self, payloads: Sequence[Payload]) -> list[Payload]:
        decoded = []
        for payload in payloads:
            if payload.metadata.get("encoding") != ENCODING:
                decoded.append(payload)  # not ours (written before encryption was on): as it is
                continue
            key_id = payload.metadata[KEY_METADATA].decode("utf-8")
            aead = AESGCM(await self._key(key_id, create=False))
            plain = aead.decrypt(payload.data[:NONCE_BYTES], payload.data[NONCE_BYTES:], key_id.encode("utf-8"))
            decoded.append(Payload.FromString(plain))
        return decoded


def key_id_of(payload: Payload) -> str | None:
    """The key a payload is encrypted under, or None for a plaintext payload."""
    if payload.metadata.get("encoding") != ENCODING:
        return None
    return payload.metadata[KEY_METADATA].decode("utf-8")


def encrypted_data_converter(keys: DataKeys, key_of: Callable[[str], str | None]) -> DataConverter:
    """Yorisoi's data converter: pydantic payloads, encrypted per case, failure messages encrypted too."""
    return dataclasses.replace(
        pydantic_data_converter,
        payload_codec=CaseKeyCodec(keys, key_of),
        failure_converter_class=DefaultFailureConverterWithEncodedAttributes,
    )
