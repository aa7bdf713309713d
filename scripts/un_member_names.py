"""Write the ``member_name_un`` column of members_by_year.csv.gz from the voting record.

Run from the repository root after a reviewed change of ``votes.csv.gz`` (then regenerate
MANIFEST.toml as its header says)::

    PYTHONPATH=src python scripts/un_member_names.py
"""

from sponsor_corrections import read, write  # the same directory: run as a script

from councilsim._bundled import un_member_names


def main():
    """Write members_by_year with the UN names derived from the votes."""
    _, membership = read("members_by_year")
    names = un_member_names(read("votes")[1], membership)
    columns = [c for c in membership[0] if c != "member_name_un"]
    columns.insert(columns.index("member_name_wikipedia") + 1, "member_name_un")
    write("members_by_year", columns, [
        {**row, "member_name_un": names[int(row["year"]), row["seat_code"]]} for row in membership
    ])


if __name__ == "__main__":
    main()
