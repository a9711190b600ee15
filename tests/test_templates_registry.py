"""The registry: one template per edition, each recognising only its own leaflets."""

from __future__ import annotations

import re

import pytest
from conftest import PDFS, needs_fixtures

from extractors import EXTRACTOR_VERSION, TEMPLATES, UnknownTemplate, extract_document
from extractors.layout import Leaflet
from extractors.reader import open_pdf
from extractors.registry import select_template


def test_each_template_declares_its_metadata() -> None:
    assert [t.NAME for t in TEMPLATES] == ["mpa-2008", "mpa-2009", "mpa-2010", "mpa-2011"]
    assert [t.PERIODS[0] for t in TEMPLATES] == ["2007/08", "2008/09", "2009/10", "2010/11"]
    for template in TEMPLATES:
        assert template.PUBLISHER == "Metropolitan Police Authority"
        assert callable(template.detect) and callable(template.parse)
    assert re.fullmatch(r"\d+\.\d+\.\d+", EXTRACTOR_VERSION)  # stored on every document


@needs_fixtures
@pytest.mark.parametrize(("folder", "name"), [
    ("2007-08", "mpa-2008"), ("2008-09", "mpa-2009"), ("2009-10", "mpa-2010"),
    ("2010-11", "mpa-2011"),
])
def test_exactly_one_template_recognises_each_edition(folder: str, name: str) -> None:
    with open_pdf((PDFS / folder / "westminster.pdf").read_bytes()) as pdf:
        leaflet = Leaflet(pdf)
        assert [t.NAME for t in TEMPLATES if t.detect(leaflet)] == [name]
        assert name == select_template(leaflet).NAME


@needs_fixtures
def test_an_unsupported_edition_is_an_unknown_template_with_what_was_recognised() -> None:
    with pytest.raises(UnknownTemplate) as raised:
        extract_document((PDFS / "bad" / "unknown-edition-2012.pdf").read_bytes())
    assert str(raised.value) == (
        "unknown template: a Local Policing Summary (Mayor’s Office for Policing and Crime; "
        "years mentioned: 2011/12, 2012/13) that no extractor supports yet; add a template "
        "for this edition"
    )
