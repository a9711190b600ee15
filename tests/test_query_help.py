"""The hints `lps serve` gives for canned-query values that are not valid (exact wording)."""

from __future__ import annotations

import pytest

from lps.query_help import Choices, codebook_for, hints_for, normalise_period, optional_params

CHOICES = Choices(
    measures=[("residential_burglary", "Residential burglary"), ("robbery", "Robbery"),
              ("knife_crime", "Knife crime")],
    periods=["2008/09", "2009/10"],
    areas=["Barnet", "Kensington and Chelsea"],
)


@pytest.mark.parametrize(("params", "hints"), [
    ({"measure": "robbery", "period": "2009/10", "area": "barnet"}, []),
    ({"period": "2009-10"}, []),  # the queries read a dash as a slash
    ({"measure": "", "period": " "}, []),  # empty: "all", or the page asks to choose
    ({"measure": "burglary"}, [
        "No measure is called “burglary”: measures are slugs such as residential_burglary. "
        "Did you mean residential_burglary (Residential burglary)? Choose one from the list."]),
    ({"measure": "knife crme"}, [
        "No measure is called “knife crme”: measures are slugs such as residential_burglary. "
        "Did you mean knife_crime (Knife crime)? Choose one from the list."]),
    ({"period": "2009/2010"}, ["Write the financial year “2009/2010” as 2009/10."]),
    ({"period": "2011/12"}, [
        "No loaded leaflet reports on 2011/12. Years with figures: 2008/09, 2009/10."]),
    ({"period": "last year"}, [
        "“last year” is not a financial year: write it like 2009/10 (April 2009 to March "
        "2010). Years with figures: 2008/09, 2009/10."]),
    ({"area": "Kensington & Chelsea"}, [
        "Borough names are spelt as the London Datastore does: Kensington and Chelsea."]),
    ({"area": "Barnett"}, [
        "No London borough is called “Barnett”. Did you mean Barnet? Choose one from the "
        "list."]),
])
def test_hints(params: dict[str, str], hints: list[str]) -> None:
    assert hints_for(params, CHOICES) == hints


def test_optional_params_and_periods() -> None:
    sql = "where (:measure = '' or measure = :measure) and period = :period"
    assert optional_params(sql) == {"measure"}
    assert normalise_period("2009 - 2010") == "2009/10"
    assert normalise_period("09/10") is None


def test_codebook_for_the_measures_shown() -> None:
    codebook = [{"measure": "robbery"}, {"measure": "knife_crime"}]
    rows = [{"measure": "knife_crime"}, {"measure": None}]
    assert codebook_for(codebook, rows, ["measure"], {}) == [{"measure": "knife_crime"}]
    assert codebook_for(codebook, [], ["area"], {"measure": "robbery "}) == [
        {"measure": "robbery"}]
    assert codebook_for(codebook, [], ["area"], {}) == []
