"""The customer's signature (issue 12): only a real, bounded PNG is kept, and it is written anew
from its critical chunks, so nothing sent along with the picture is stored or served."""

from __future__ import annotations

import base64
import struct
import zlib

import pytest

from app.bpm.forms.signature import (
    DATA_URL_PREFIX,
    MAX_BYTES,
    NotASignature,
    clean_png,
    decode_data_url,
)

MAGIC = b"\x89PNG\r\n\x1a\n"


def chunk(kind: bytes, data: bytes, crc: int | None = None) -> bytes:
    crc = zlib.crc32(kind + data) if crc is None else crc
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)


def header(width: int, height: int, depth: int = 8, colour: int = 6, interlace: int = 0) -> bytes:
    return chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, depth, colour, 0, 0, interlace))


def canvas(width: int = 560, height: int = 180, extra: bytes = b"", trailer: bytes = b"") -> bytes:
    """What the signature canvas sends: RGBA, a stroke across the middle row."""
    row = bytes(4 * width)
    stroke = b"\x00\x00\x00\xff" * width
    rows = [b"\x00" + (stroke if y == height // 2 else row) for y in range(height)]
    idat = zlib.compress(b"".join(rows))
    return MAGIC + header(width, height) + extra + chunk(b"IDAT", idat) + chunk(b"IEND", b"") + trailer


def pixels(png: bytes) -> bytes:
    at, data = 8, b""
    while at < len(png):
        (length,) = struct.unpack(">I", png[at : at + 4])
        if png[at + 4 : at + 8] == b"IDAT":
            data += png[at + 8 : at + 8 + length]
        at += length + 12
    return zlib.decompress(data)


def test_a_drawn_signature_is_kept_pixel_for_pixel() -> None:
    sent = canvas(extra=chunk(b"tEXt", b"Comment\x00<script>alert(1)</script>"))
    kept = clean_png(sent)
    assert kept.startswith(MAGIC) and pixels(kept) == pixels(sent)
    assert b"tEXt" not in kept and b"<script>" not in kept
    assert clean_png(kept) == kept
    assert decode_data_url(DATA_URL_PREFIX + base64.b64encode(sent).decode()) == kept
    palette = MAGIC + header(2, 1, depth=1, colour=3) + chunk(b"PLTE", b"\x00\x00\x00\xff\xff\xff")
    palette += chunk(b"IDAT", zlib.compress(b"\x00\x80")) + chunk(b"IEND", b"")
    assert pixels(clean_png(palette)) == b"\x00\x80"


HOSTILE: dict[str, bytes] = {
    "png_header_then_html": MAGIC + b"<html><script>alert(document.cookie)</script></html>",
    "html_after_the_image": canvas(trailer=b"<html><script>alert(1)</script></html>"),
    "html_only": b"<html><body onload=alert(1)></body></html>",
    "huge_dimensions": MAGIC + header(30000, 30000) + chunk(b"IDAT", zlib.compress(bytes(1000))) + chunk(b"IEND", b""),
    "too_wide": canvas(width=2001, height=10),
    "too_tall": canvas(width=10, height=1001),
    "zero_size": MAGIC + header(0, 0) + chunk(b"IDAT", zlib.compress(b"")) + chunk(b"IEND", b""),
    "bad_crc": MAGIC + header(1, 1)[:-4] + b"\x00\x00\x00\x00" + chunk(b"IDAT", zlib.compress(bytes(5))),
    "inflates_beyond_its_size": MAGIC
    + header(2000, 1000)
    + chunk(b"IDAT", zlib.compress(bytes(50_000_000)))
    + chunk(b"IEND", b""),
    "too_little_data": MAGIC + header(560, 180) + chunk(b"IDAT", zlib.compress(bytes(100))) + chunk(b"IEND", b""),
    "unknown_filter": MAGIC + header(1, 1, colour=0) + chunk(b"IDAT", zlib.compress(b"\x09\x00")) + chunk(b"IEND", b""),
    "interlaced": MAGIC + header(1, 1, interlace=1) + chunk(b"IDAT", zlib.compress(bytes(5))) + chunk(b"IEND", b""),
    "bad_depth": MAGIC + header(1, 1, depth=3) + chunk(b"IDAT", zlib.compress(bytes(5))) + chunk(b"IEND", b""),
    "palette_missing": MAGIC + header(1, 1, colour=3) + chunk(b"IDAT", zlib.compress(bytes(2))) + chunk(b"IEND", b""),
    "unknown_critical_chunk": canvas(extra=chunk(b"EVIL", b"x")),
    "cut_short": canvas()[:-20],
    "no_end": canvas()[:-12],
    "too_many_bytes": canvas(extra=chunk(b"zTXt", bytes(MAX_BYTES))),
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_anything_but_a_bounded_png_is_refused(name: str) -> None:
    with pytest.raises(NotASignature):
        clean_png(HOSTILE[name])
    assert decode_data_url(DATA_URL_PREFIX + base64.b64encode(HOSTILE[name]).decode()) is None


@pytest.mark.parametrize(
    "value", [None, 5, "", "data:image/svg+xml;base64,PHN2Zz4=", DATA_URL_PREFIX + "not base64!", DATA_URL_PREFIX]
)
def test_values_that_are_no_png_data_url_are_none(value: object) -> None:
    assert decode_data_url(value) is None
