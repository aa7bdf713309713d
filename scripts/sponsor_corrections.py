"""Apply revision 4 of the bundled record: sponsor lists corrected (SOURCE.md, "Revision 4").

Three kinds of error in ``drafts.csv``'s ``sponsors`` column, found while checking why failed
drafts got confident forecasts:

* **A one-row shift in 2022.** The source split "Russian Federation and United States" (the
  sponsors of S/RES/2639(2022)) over two rows, so every later row until S/RES/2671(2022), where
  two lists were merged back into one, carries the sponsors of the row before it: the vetoed
  Irish-Norwegian Syria text of 8 July 2022 (S/2022/538) is listed as France's and Russia's rival
  text (S/2022/541) as Ireland's and Norway's. The corrected value of each row is the listed value
  of the next; outside sources confirm the four failed drafts.
* **Main sponsors missing from a co-sponsor list**: S/2017/172 (France, the United Kingdom and
  the United States tabled it) and S/2023/795 (the Russian Federation's text).
* **A misspelt member**: "United Kindgom" (two 2022 rows), which no name matched.

Run from the repository root; it changes only rows that still hold the erroneous value, so running
it twice changes nothing. Then regenerate MANIFEST.toml as its header says::

    PYTHONPATH=src python scripts/sponsor_corrections.py
"""

import csv
import gzip
import io
from pathlib import Path

from councilsim.cli import atomic_path

DATA = Path("src/councilsim/data/unsc")

#: The rows of the 2022 shift, in the record's order: S/RES/2639(2022) first (its list split in
#: two), S/RES/2671(2022) last (two lists merged).
SHIFTED = (
    "S/RES/2639(2022)", "S/RES/2640(2022)", "S/RES/2641(2022)", "S/2022/538", "S/2022/541",
    *(f"S/RES/{n}(2022)" for n in range(2642, 2653)), "S/2022/720",
    *(f"S/RES/{n}(2022)" for n in range(2653, 2658)), "S/2022/821",
    *(f"S/RES/{n}(2022)" for n in range(2658, 2672)),
)
#: The split and merged lists, put back together and apart.
ENDS = {
    "S/RES/2639(2022)": "Russian Federation, United States",
    "S/RES/2670(2022)": "United Kingdom",
    "S/RES/2671(2022)": "Russian Federation, United States",
}
#: The listed value of the shift's first row: its presence says the shift is still there.
SHIFT_TELL = ("S/RES/2640(2022)", "States")

#: Main sponsors missing from a co-sponsor list: (vote_id, names to add, source).
MISSING = (
    ("S/2017/172", ("France", "United Kingdom", "United States"),
     "https://www.diplomatie.gouv.fr/en/country-files/syria/news/article/"
     "united-nations-rejection-of-the-resolution-on-the-use-of-chemical-weapons-in"),
    ("S/2023/795", ("Russian Federation",),
     "https://thediplomaticinsight.com/unsc-vetoes-competing-resolutions-by-us-and-russia-on-gaza/"),
)
#: Misspelt names, corrected wherever they occur: (wrong, right).
TYPOS = (("United Kindgom", "United Kingdom"),)
TYPO_SOURCE = "drafts.csv: a misspelt member name (SOURCE.md revision 4)"
#: Outside confirmation of the shifted rows that matter most (the failed drafts).
CONFIRMED = {
    "S/2022/538": "https://www.trtworld.com/article/12787104",
    "S/2022/541": "https://tass.com/world/1477745",
    "S/2022/720": "https://kyivindependent.com/news-feed/"
                  "russia-vetoes-un-resolution-condemning-illegal-annexation-of-ukrainian-oblasts",
    "S/2022/821": "https://media.un.org/en/asset/k1n/k1nt5b52d4",
}
SHIFT_SOURCE = "drafts.csv: the next row's listed sponsors (one-row shift; SOURCE.md revision 4)"


def read(name):
    """Header and rows (dicts) of a bundled record file."""
    text = gzip.decompress((DATA / f"{name}.csv.gz").read_bytes()).decode("utf-8")
    reader = csv.DictReader(io.StringIO(text, newline=""))
    return reader.fieldnames, list(reader)


def write(name, columns, rows):
    """Write a bundled record file atomically (also used by ``un_member_names.py``).

    mtime=0 keeps the bytes, and so the manifest's digest, reproducible.
    """
    out = io.StringIO(newline="")
    writer = csv.DictWriter(out, columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    with atomic_path(DATA / f"{name}.csv.gz", option="record file") as tmp:
        Path(tmp).write_bytes(gzip.compress(out.getvalue().encode("utf-8"), mtime=0))


def corrections(drafts):
    """vote_id -> (corrected sponsors, source, confidence) for the rows still in error."""
    by_id = {row["vote_id"]: row for row in drafts}
    order = [row["vote_id"] for row in drafts]
    if order[order.index(SHIFTED[0]):order.index(SHIFTED[-1]) + 1] != list(SHIFTED):
        raise SystemExit("the rows of the 2022 shift are not where revision 4 expects them")
    fixed = {}
    if by_id[SHIFT_TELL[0]]["sponsors"] == SHIFT_TELL[1]:
        for here, below in zip(SHIFTED, SHIFTED[1:] + ("",), strict=True):
            value = ENDS.get(here) or by_id[below]["sponsors"]
            source = CONFIRMED.get(here, SHIFT_SOURCE)
            fixed[here] = (value, source, "high" if here in CONFIRMED else "medium")
    for row in drafts:
        # A row the shift corrects keeps that correction's source; its spelling is mended too.
        value, source, confidence = fixed.get(row["vote_id"],
                                              (row["sponsors"], TYPO_SOURCE, "high"))
        spelt = value
        for wrong, right in TYPOS:
            spelt = spelt.replace(wrong, right)
        if spelt != value:
            fixed[row["vote_id"]] = (spelt, source, confidence)
    for vote_id, names, source in MISSING:
        listed = [name.strip() for name in by_id[vote_id]["sponsors"].split(",") if name.strip()]
        if not set(names) <= set(listed):
            fixed[vote_id] = (", ".join(sorted({*listed, *names})), source, "high")
    return fixed


def main():
    """Correct drafts.csv and record each corrected row in sponsors_researched.csv."""
    columns, drafts = read("drafts")
    fixed = corrections(drafts)
    if not fixed:
        print("revision 4 is already applied")
        return
    for row in drafts:
        if row["vote_id"] in fixed:
            row["sponsors"] = fixed[row["vote_id"]][0]
    write("drafts", columns, drafts)
    research_columns, research = read("sponsors_researched")
    by_id = {row["vote_id"]: row for row in drafts}
    for vote_id, (value, source, confidence) in fixed.items():
        row = by_id[vote_id]
        research.append({
            "vote_id": vote_id, "date": row["date"], "draft": row["draft"], "sponsors": value,
            "role": "sponsor", "source_url": source, "confidence": confidence,
        })
    write("sponsors_researched", research_columns, research)
    print(f"corrected {len(fixed)} rows: {', '.join(fixed)}")


if __name__ == "__main__":
    main()
