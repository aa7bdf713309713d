"""Write the ``member_name_un`` column of members_by_year.csv.gz from the voting record.

Run from the repository root after a reviewed change of ``votes.csv.gz`` (then regenerate
MANIFEST.toml as its header says)::

    PYTHONPATH=src python scripts/un_member_names.py
"""

import csv
import gzip
import io
from pathlib import Path

from councilsim._bundled import un_member_names

DATA = Path("src/councilsim/data/unsc")


def rows(name):
    """The rows of a bundled record file, as dicts."""
    text = gzip.decompress((DATA / f"{name}.csv.gz").read_bytes()).decode("utf-8")
    return list(csv.DictReader(io.StringIO(text, newline="")))


def main():
    """Write members_by_year with the UN names derived from the votes."""
    membership = rows("members_by_year")
    names = un_member_names(rows("votes"), membership)
    columns = [c for c in membership[0] if c != "member_name_un"]
    columns.insert(columns.index("member_name_wikipedia") + 1, "member_name_un")
    out = io.StringIO(newline="")
    writer = csv.DictWriter(out, columns, lineterminator="\n")
    writer.writeheader()
    for row in membership:
        writer.writerow({**row, "member_name_un": names[int(row["year"]), row["seat_code"]]})
    # mtime=0: the same table gives the same bytes, so the manifest's digest is reproducible.
    (DATA / "members_by_year.csv.gz").write_bytes(
        gzip.compress(out.getvalue().encode("utf-8"), mtime=0)
    )


if __name__ == "__main__":
    main()
