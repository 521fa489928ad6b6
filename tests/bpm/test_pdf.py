"""Paper forms as PDF (app/bpm/web/pdf.py): WeasyPrint reads only `data:` URLs, so a page can
pull no file of the server and no address of the network into a document."""

from __future__ import annotations

from pathlib import Path

from app.bpm.web.pdf import data_url, page_counter, render_pdf
from harness.pdf import pdf_images, pdf_text

# A 1×1 PNG
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000b4944415478da636000020000050001e9fadcd80000000049454e44ae426082"
)


def test_only_embedded_images_are_read(tmp_path: Path) -> None:
    on_disk = tmp_path / "server-file.png"
    on_disk.write_bytes(PNG)
    html = (
        f'<p>PDF</p><img src="{data_url(PNG, "image/png")}"><img src="{on_disk.as_uri()}">'
        '<img src="http://127.0.0.1:9/x.png">'
    )
    pdf = render_pdf(html)
    assert "PDF" in pdf_text(pdf)
    assert len(pdf_images(pdf)) == 1  # the data: image; neither the file nor the address


def test_page_numbers_come_from_the_catalogue_text() -> None:
    assert page_counter("第 {page} 页 / 共 {pages} 页") == '"第 " counter(page) " 页 / 共 " counter(pages) " 页"'
    assert page_counter('Page {page} "of" {pages}') == '"Page " counter(page) " \\"of\\" " counter(pages)'
