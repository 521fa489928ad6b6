"""A signature drawn on a canvas in a form, sent as a PNG data URL.

What is stored and served is never the bytes as sent. The PNG is read with the standard
library (chunk lengths and CRCs, IHDR's size and pixel format, the image data inflated with a
bound to exactly the bytes its size needs, each row's filter byte), then written anew from its
critical chunks alone: text chunks, trailing bytes (a PNG header followed by HTML) and unknown
chunks do not survive, and a 30000×30000 image is refused before anything is inflated.
(Pillow would decode the pixels themselves; the standard library is what this checks with.)
"""

from __future__ import annotations

import base64
import binascii
import struct
import zlib
from dataclasses import dataclass

DATA_URL_PREFIX = "data:image/png;base64,"
MAX_BYTES = 300_000  # the form's maxLength (420,000 base64 characters) allows about 315 kB
MAX_WIDTH, MAX_HEIGHT = 2000, 1000  # the canvas is 560×180; a phone at 3× stays inside
_MAGIC = b"\x89PNG\r\n\x1a\n"
# colour type -> (channels, allowed bit depths), from the PNG specification
_PIXEL_FORMATS: dict[int, tuple[int, tuple[int, ...]]] = {
    0: (1, (1, 2, 4, 8, 16)),
    2: (3, (8, 16)),
    3: (1, (1, 2, 4, 8)),
    4: (2, (8, 16)),
    6: (4, (8, 16)),
}
_KEPT_BEFORE_DATA = (b"PLTE", b"tRNS")
_USES = {b"PLTE": (3,), b"tRNS": (0, 2, 3)}  # the colour types each kept chunk means something to


class NotASignature(ValueError):
    """The bytes are not a PNG this product stores as a signature."""


@dataclass(frozen=True)
class _Chunk:
    kind: bytes
    data: bytes


def decode_data_url(value: object) -> bytes | None:
    """The checked, re-encoded PNG of a `data:image/png;base64,` value; None when it is not one."""
    if not isinstance(value, str) or not value.startswith(DATA_URL_PREFIX):
        return None
    if len(value) > len(DATA_URL_PREFIX) + (MAX_BYTES + 2) // 3 * 4:
        return None
    try:
        raw = base64.b64decode(value[len(DATA_URL_PREFIX) :], validate=True)
        return clean_png(raw)
    except (binascii.Error, ValueError):  # NotASignature is a ValueError
        return None


def clean_png(raw: bytes) -> bytes:
    """The same picture written anew from its critical chunks; NotASignature says why not."""
    if len(raw) > MAX_BYTES:
        raise NotASignature(f"larger than {MAX_BYTES} bytes")
    if not raw.startswith(_MAGIC):
        raise NotASignature("not a PNG")
    chunks = _chunks(raw)
    header = chunks[0]
    if header.kind != b"IHDR" or len(header.data) != 13:
        raise NotASignature("no image header")
    width, height, depth, colour, compression, filtering, interlace = struct.unpack(">IIBBBBB", header.data)
    if not (1 <= width <= MAX_WIDTH and 1 <= height <= MAX_HEIGHT):
        raise NotASignature(f"{width}×{height} is larger than {MAX_WIDTH}×{MAX_HEIGHT}")
    channels, depths = _PIXEL_FORMATS.get(colour, (0, ()))
    if depth not in depths or (compression, filtering, interlace) != (0, 0, 0):
        raise NotASignature("an unsupported pixel format")
    kept, data = _sorted_chunks(chunks[1:], colour)
    row_bytes = (width * channels * depth + 7) // 8
    pixels = _inflate(data, height * (row_bytes + 1))
    if any(pixels[row * (row_bytes + 1)] > 4 for row in range(height)):
        raise NotASignature("a row with an unknown filter")
    body = [header, *kept, _Chunk(b"IDAT", zlib.compress(pixels, 9)), _Chunk(b"IEND", b"")]
    return _MAGIC + b"".join(_write(chunk) for chunk in body)


def _chunks(raw: bytes) -> list[_Chunk]:
    """Every chunk up to IEND, each with its CRC checked; nothing may follow IEND."""
    chunks, at = [], len(_MAGIC)
    while True:
        if at + 12 > len(raw):
            raise NotASignature("cut short")
        length, kind = struct.unpack(">I4s", raw[at : at + 8])
        end = at + 8 + length
        if end + 4 > len(raw):
            raise NotASignature("cut short")
        data = raw[at + 8 : end]
        (crc,) = struct.unpack(">I", raw[end : end + 4])
        if zlib.crc32(kind + data) != crc:
            raise NotASignature("a damaged chunk")
        chunks.append(_Chunk(kind, data))
        at = end + 4
        if kind == b"IEND":
            break
    if at != len(raw):
        raise NotASignature("bytes after the image")
    return chunks


def _sorted_chunks(chunks: list[_Chunk], colour: int) -> tuple[list[_Chunk], bytes]:
    """(the PLTE and tRNS chunks to keep, the joined image data); ancillary chunks
    are dropped, an unknown critical chunk or split image data is refused."""
    kept: list[_Chunk] = []
    data: list[bytes] = []
    for index, chunk in enumerate(chunks):
        if chunk.kind == b"IDAT":
            if data and chunks[index - 1].kind != b"IDAT":
                raise NotASignature("image data split by other chunks")
            data.append(chunk.data)
        elif chunk.kind in _KEPT_BEFORE_DATA and not data and all(k.kind != chunk.kind for k in kept):
            if colour in _USES[chunk.kind]:
                kept.append(chunk)
        elif chunk.kind == b"IEND" or (chunk.kind[:1].islower() and chunk.kind.isalpha()):
            continue
        else:
            raise NotASignature(f"an unexpected {chunk.kind!r} chunk")
    palette = next((k for k in kept if k.kind == b"PLTE"), None)
    if colour == 3 and (palette is None or not 3 <= len(palette.data) <= 768 or len(palette.data) % 3):
        raise NotASignature("a palette image without a usable palette")
    if not data:
        raise NotASignature("no image data")
    return kept, b"".join(data)


def _inflate(data: bytes, expected: int) -> bytes:
    """Exactly `expected` bytes out of the zlib stream, never more than one byte beyond."""
    inflater = zlib.decompressobj()
    try:
        out = inflater.decompress(data, expected + 1)
    except zlib.error:
        raise NotASignature("damaged image data") from None
    if len(out) != expected or not inflater.eof or inflater.unused_data:
        raise NotASignature("image data of the wrong size")
    return out


def _write(chunk: _Chunk) -> bytes:
    body = chunk.kind + chunk.data
    return struct.pack(">I", len(chunk.data)) + body + struct.pack(">I", zlib.crc32(body))
