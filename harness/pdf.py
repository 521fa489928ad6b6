"""PDFs read back as a person would: their text (poppler's pdftotext) and their images
(pdfimages), for the tests of paper forms."""

from __future__ import annotations

import subprocess


def pdf_text(pdf: bytes) -> str:
    """The text of every page; poppler drops the spaces between Chinese characters."""
    done = subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True)
    return done.stdout.decode()


def pdf_images(pdf: bytes) -> list[str]:
    """The image lines of `pdfimages -list` (an image's transparency is listed as `smask`)."""
    done = subprocess.run(["pdfimages", "-list", "-"], input=pdf, capture_output=True, check=True)
    return [line for line in done.stdout.decode().splitlines()[2:] if line.split()[2:3] == ["image"]]
