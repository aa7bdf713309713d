"""Apply revision 5 of the bundled record: S/1999/328's member votes (SOURCE.md, "Revision 5").

The member-level source lists thirteen members for S/1999/328 (26 March 1999, the draft of
Belarus, India and the Russian Federation on the use of force against the Federal Republic of
Yugoslavia): three of them (Bangladesh, Mali, Tunisia) sat on the Council only in 2000-2001, and
five members of 1999 (Bahrain, Brazil, Gabon, the Gambia, Slovenia) are missing. The DHL prints
3-12-0, and the UN press release SC/6659 names the three in favour (China, Namibia, the Russian
Federation; the source's own yes votes) with twelve against and no abstentions, so every other
member of 1999 voted no. The sponsors cell named Belarus twice.

Run from the repository root; it changes only rows that still hold the erroneous values, so
running it twice changes nothing. Then regenerate MANIFEST.toml as its header says::

    PYTHONPATH=src python scripts/vote_corrections.py
"""

from sponsor_corrections import read, write  # the same directory: run as a script

VOTE_ID = "S/1999/328"
SOURCE = "https://press.un.org/en/1999/19990326.sc6659.html"
#: The press release's count: three in favour, the other twelve members against.
IN_FAVOUR = {"CHN", "NAM", "RUS"}
SPONSORS = "Belarus,India,Russian Federation"
STATUS = "corrected_members"
NOTE = ("DHL prints Draft resolution S/1999/328 not adopted 3-12-0; member votes corrected in "
        "revision 5 (the source listed BGD, MLI and TUN, members in 2000-2001, and lacked BHR, "
        f"BRA, GAB, GMB and SVN): {SOURCE}")


def main():
    """Correct the drafts row and the member votes of S/1999/328."""
    draft_columns, drafts = read("drafts")
    row = next(row for row in drafts if row["vote_id"] == VOTE_ID)
    if row["member_votes_status"] == STATUS:
        print("revision 5 is already applied")
        return
    _, members = read("members_by_year")
    sitting = [m for m in members if m["year"] == row["date"][:4]]
    vote_columns, votes = read("votes")
    listed = [vote for vote in votes if vote["vote_id"] == VOTE_ID]
    template = listed[0]
    corrected = [
        {**template, "member_code": m["member_code"], "seat_code": m["seat_code"],
         "member_name": m["member_name_un"], "permanent": m["permanent"],
         "vote": "Y" if m["seat_code"] in IN_FAVOUR else "N",
         "source": template["source"] if any(v["member_code"] == m["member_code"]
                                             for v in listed) else "press_release",
         "status": STATUS}
        # The record's order: permanent members first, each group by code.
        for m in sorted(sitting, key=lambda m: (m["permanent"] != "True", m["member_code"]))
    ]
    first = votes.index(template)
    votes[first:first + len(listed)] = corrected
    write("votes", vote_columns, votes)
    row.update(yes=str(len(IN_FAVOUR)), no=str(len(corrected) - len(IN_FAVOUR)), abstain="0",
               non_voting="0", members=str(len(corrected)), sponsors=SPONSORS,
               member_votes_status=STATUS, notes=NOTE)
    write("drafts", draft_columns, drafts)
    print(f"corrected {VOTE_ID}: {len(listed)} member votes -> {len(corrected)}")


if __name__ == "__main__":
    main()
