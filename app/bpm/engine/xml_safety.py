"""Hardened XML parsing for diagrams that come from users.

SpiffWorkflow parses with lxml's default parser and adds no hardening, so every diagram is
parsed here first and handed to the engine as an element tree.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from lxml import etree

MAX_DIAGRAM_BYTES = 2 * 1024 * 1024
MAX_ELEMENTS = 20_000
MAX_DEPTH = 64

_DOCTYPE = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)


@dataclass(frozen=True)
class XmlProblem(Exception):
    """A diagram that cannot be read; `code` names the kind, `detail` what was found."""

    code: str
    detail: str = ""
    line: int | None = None

    def __str__(self) -> str:
        where = f" (line {self.line})" if self.line else ""
        return f"{self.code}: {self.detail}{where}"


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )


def parse_diagram_xml(content: bytes) -> etree._Element:
    """Parse untrusted BPMN XML; refuse DOCTYPEs, entities, oversize and over-deep trees."""
    if len(content) > MAX_DIAGRAM_BYTES:
        raise XmlProblem("too_large", f"{len(content)} bytes > {MAX_DIAGRAM_BYTES}")
    if not content.strip():
        raise XmlProblem("empty", "the file is empty")
    if _DOCTYPE.search(content):
        raise XmlProblem("doctype", "DOCTYPE and ENTITY declarations are not allowed")
    try:
        root = etree.fromstring(content, parser=_parser())
    except etree.XMLSyntaxError as err:
        raise XmlProblem("syntax", str(err.msg), err.lineno) from None
    if root is None:
        raise XmlProblem("syntax", "no root element")
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None:  # e.g. a DOCTYPE in UTF-16
        raise XmlProblem("doctype", "DOCTYPE and ENTITY declarations are not allowed")
    for count, _element in enumerate(root.iter(), start=1):
        if count > MAX_ELEMENTS:
            raise XmlProblem("too_many_elements", f"more than {MAX_ELEMENTS} elements")
    _check_depth(root)
    return root


def _check_depth(root: etree._Element) -> None:
    stack: list[tuple[etree._Element, int]] = [(root, 1)]
    while stack:
        element, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise XmlProblem("too_deep", f"nesting deeper than {MAX_DEPTH}", element.sourceline)
        stack.extend((child, depth + 1) for child in element)
