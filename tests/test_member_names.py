"""Members' names as the UN wrote them, per year, from the voting record (issue 12 item 7)."""

import pytest

from councilsim._bundled import FIRST_YEAR, LAST_YEAR, read_record, un_member_names
from councilsim.models import Council


def test_shipped_column_is_what_the_record_gives():
    # The column is derived data: regenerating it from votes.csv must change nothing.
    membership = read_record("members_by_year")
    derived = un_member_names(read_record("votes"), membership)
    shipped = {(int(row["year"]), row["seat_code"]): row["member_name_un"] for row in membership}
    assert shipped == derived


@pytest.mark.parametrize(
    ("year", "code", "name"),
    [
        (2019, "CIV", "Côte d'Ivoire"),
        (1990, "CIV", "Côte d'Ivoire"),
        (2024, "KOR", "Republic of Korea"),
        (1946, "POL", "Poland"),
        (1946, "RUS", "Union of Soviet Socialist Republics"),
        (2017, "RUS", "Russian Federation"),
        (1955, "IRN", "Iran"),  # not the Islamic Republic's later name
        (1982, "COD", "Zaire"),
        (1961, "EGY", "United Arab Republic"),
        (1948, "UKR", "Ukrainian Soviet Socialist Republic"),
        (1977, "DEU", "Germany, Federal Republic of"),
        (2017, "BOL", "Bolivia (Plurinational State of)"),
        (2026, "LVA", "Latvia"),
    ],
)
def test_names_as_the_un_wrote_them(year, code, name):
    assert Council.unsc(year).names[code] == name


def test_every_year_uses_the_record_name_where_the_member_voted():
    # Wherever votes.csv lists the member in that year, the name is the record's own (up to
    # capitals, the accent of Côte d'Ivoire, "USSR" written out, or a documented former name).
    from councilsim._bundled import _FORMER_NAMES

    spelled = {}
    for row in read_record("votes"):
        spelled.setdefault((int(row["date"][:4]), row["seat_code"]), set()).add(
            row["member_name"].casefold().replace("\u2019", "'")
        )
    wikipedia_only = {"Ivory Coast", "South Korea", "Polish People's Republic", "Russia"}
    for year in range(FIRST_YEAR, LAST_YEAR + 1):
        for code, name in Council.unsc(year).names.items():
            assert name not in wikipedia_only, (year, code, name)
            former = [n for first, last, n in _FORMER_NAMES.get(code, ()) if first <= year <= last]
            if (year, code) not in spelled or former:
                continue
            plain = name.casefold().replace("ô", "o")
            assert plain in spelled[year, code] or (code == "RUS" and "ussr" in spelled[year, code])
