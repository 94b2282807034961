from datetime import date

import pytest

from stocktake.core.partial_dates import DatePrecision, PartialDate
from stocktake.core.text import fold, normalise_code, normalise_name


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("INT13001", "INT13001"),
        ("INT/13/001", "INT13001"),
        ("int 13-001", "INT13001"),
        ("GLO/13/X01", "GLO13X01"),
    ],
)
def test_code_variants_normalise_to_one_identity(raw: str, expected: str) -> None:
    assert normalise_code(raw) == expected


def test_names_fold_case_punctuation_and_diacritics() -> None:
    assert normalise_name("UN-DESA") == normalise_name("un desa") == "un desa"
    assert fold("Médium Société") == "medium societe"


@pytest.mark.parametrize(
    ("text", "value", "precision", "iso"),
    [
        ("2005", date(2005, 1, 1), DatePrecision.YEAR, "2005"),
        ("2013-09", date(2013, 9, 1), DatePrecision.MONTH, "2013-09"),
        ("2009-05-21", date(2009, 5, 21), DatePrecision.DAY, "2009-05-21"),
    ],
)
def test_partial_dates_keep_their_precision(text: str, value: date, precision: str, iso: str) -> None:
    parsed = PartialDate.parse(text)
    assert (parsed.value, parsed.precision, parsed.iso()) == (value, precision, iso)


def test_partial_dates_display_in_the_language_asked() -> None:
    assert PartialDate.parse("2013-09").display("en") == "September 2013"
    assert PartialDate.parse("2013-09").display("fr") == "septembre 2013"
    assert PartialDate.parse("2005").display("ar") == "2005"


@pytest.mark.parametrize("text", ["", "13-09", "2013-13", "2013-02-30", "September 2013"])
def test_bad_dates_are_refused_with_the_text_named(text: str) -> None:
    with pytest.raises(ValueError, match="date"):
        PartialDate.parse(text)
