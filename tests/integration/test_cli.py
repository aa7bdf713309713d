"""The ``councilsim`` command end to end, through a subprocess as a user would run it."""

from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from paths import REPO_ROOT, TESTS_DIR

import councilsim
from councilsim.cli import EXIT_BAD_INPUT, EXIT_OK

ROOT = REPO_ROOT
FLAGSHIP = ROOT / "scenarios" / "dprk-2017-09.toml"
FLAGSHIP_DRAFTS = ["us-first-draft", "uk-japan-proposal", "res-2375"]
BAD = TESTS_DIR / "data" / "bad"


def councilsim_cli(*args: str | Path) -> subprocess.CompletedProcess:
    """Run ``python -m councilsim.cli ARGS`` (what the ``councilsim`` entry point calls)."""
    return subprocess.run(
        [sys.executable, "-m", "councilsim.cli", *map(str, args)],
        capture_output=True, text=True, timeout=120, cwd=ROOT,
    )


def assert_clean_error(proc: subprocess.CompletedProcess, *fragments: str) -> None:
    """Exit code 2, one readable message on stderr, nothing on stdout, no traceback."""
    assert proc.returncode == EXIT_BAD_INPUT, proc.stderr
    assert proc.stdout == ""
    assert "Traceback" not in proc.stderr
    for fragment in fragments:
        assert fragment in proc.stderr


def test_version():
    proc = councilsim_cli("--version")
    assert proc.returncode == EXIT_OK
    assert proc.stdout.strip() == f"councilsim {councilsim.__version__}"


def test_console_script_entry_point():
    script = shutil.which("councilsim")
    if script is None:
        pytest.skip("the councilsim entry point is not on PATH (package not installed)")
    proc = subprocess.run([script, "--version"], capture_output=True, text=True, timeout=60)
    assert proc.returncode == EXIT_OK
    assert proc.stdout.strip() == f"councilsim {councilsim.__version__}"


def test_run_prints_a_table_per_draft():
    proc = councilsim_cli("run", FLAGSHIP)
    assert proc.returncode == EXIT_OK, proc.stderr
    out = proc.stdout
    for draft_id in FLAGSHIP_DRAFTS:
        assert f"{draft_id}: " in out
    assert out.count("P(adopted) = ") == 3
    assert out.count("veto (the required yes votes and its no): ") == 3
    assert "member" in out and "decisive" in out
    assert "RUS" in out and "Russia" in out
    assert "scenario sha256" in out


def test_run_json_is_keyed_by_draft_id():
    proc = councilsim_cli("run", FLAGSHIP, "--format", "json")
    assert proc.returncode == EXIT_OK, proc.stderr
    results = json.loads(proc.stdout)
    assert list(results) == FLAGSHIP_DRAFTS
    for draft_id, result in results.items():
        assert result["draft_id"] == draft_id
        assert 0.0 <= result["p_adopted"] <= 1.0
        assert result["method"] == "exact"
        assert set(result["veto_prob"]) == {"CHN", "FRA", "GBR", "RUS", "USA"}
        assert len(result["vote_probs"]) == 15
        for probs in result["vote_probs"].values():
            assert set(probs) == {"Y", "N", "A", "X"}
            assert sum(probs.values()) == pytest.approx(1.0, abs=1e-9)
    assert results["us-first-draft"]["p_adopted"] < 0.5 < results["res-2375"]["p_adopted"]


def test_run_csv_one_row_per_member():
    proc = councilsim_cli("run", FLAGSHIP, "--format", "csv", "--draft", "res-2375")
    assert proc.returncode == EXIT_OK, proc.stderr
    rows = list(csv.DictReader(io.StringIO(proc.stdout)))
    assert len(rows) == 15
    assert {row["draft"] for row in rows} == {"res-2375"}
    assert rows[0].keys() >= {"member", "p_yes", "p_no", "p_veto", "p_adopted", "method"}
    vetoes = {row["member"] for row in rows if row["p_veto"]}
    assert vetoes == {"CHN", "FRA", "GBR", "RUS", "USA"}


def test_out_writes_the_file_and_nothing_to_stdout(tmp_path):
    target = tmp_path / "result.json"
    proc = councilsim_cli("run", FLAGSHIP, "--format", "json", "--draft", "res-2375",
                          "--out", target)
    assert proc.returncode == EXIT_OK, proc.stderr
    assert proc.stdout == ""
    assert f"wrote {target}" in proc.stderr
    assert list(json.loads(target.read_text("utf-8"))) == ["res-2375"]
    assert [path.name for path in tmp_path.iterdir()] == ["result.json"]  # no temporary left


def test_failed_run_writes_no_file(tmp_path):
    target = tmp_path / "result.json"
    proc = councilsim_cli("run", FLAGSHIP, "--draft", "no-such-draft", "--out", target)
    assert_clean_error(proc, "unknown draft id 'no-such-draft'",
                       "us-first-draft, uk-japan-proposal, res-2375")
    assert not target.exists()
    assert list(tmp_path.iterdir()) == []


def test_out_through_a_link_replaces_the_linked_file_and_keeps_the_link(tmp_path):
    real, link = tmp_path / "real.csv", tmp_path / "link.csv"
    real.write_text("old\n", encoding="utf-8")
    link.symlink_to(real)
    proc = councilsim_cli("compare", FLAGSHIP, "--format", "csv", "--out", link)
    assert proc.returncode == EXIT_OK, proc.stderr
    assert link.is_symlink() and real.read_text("utf-8").startswith("draft,")


@pytest.mark.skipif(not Path("/dev/null").is_char_device(), reason="needs /dev/null")
def test_out_to_a_device_writes_to_it_and_leaves_it_a_device():
    proc = councilsim_cli("compare", FLAGSHIP, "--out", "/dev/null")
    assert proc.returncode == EXIT_OK, proc.stderr
    assert Path("/dev/null").is_char_device()


@pytest.mark.parametrize(("arguments", "fragment"), [
    (["run", FLAGSHIP, "--out", "{tmp}/plain.txt/result.csv"],
     "folder {tmp}/plain.txt is not a folder"),
    (["run", "{tmp}/copy.toml", "--out", "{tmp}/copy.toml"],
     "--out {tmp}/copy.toml would overwrite the input file it reads"),
    (["run", FLAGSHIP, "--out", "{tmp}/a.png", "--plot", "{tmp}/./a.png"],
     "--out and --plot both name"),
    (["backtest", "--from", "2024", "--to", "2024", "--predictions", "{tmp}/p.csv",
      "--out", "{tmp}/p.csv"], "--out and --predictions both name"),
    (["run", FLAGSHIP, "--out", ""], "--out: empty path"),
])
def test_outputs_that_cannot_be_written_as_asked_are_refused_before_any_work(
        tmp_path, arguments, fragment):
    (tmp_path / "plain.txt").write_text("a file, not a folder", encoding="utf-8")
    shutil.copy(FLAGSHIP, tmp_path / "copy.toml")
    before = sorted(path.name for path in tmp_path.iterdir())
    proc = councilsim_cli(*(str(a).format(tmp=tmp_path) for a in arguments))
    assert_clean_error(proc, fragment.format(tmp=tmp_path))
    assert sorted(path.name for path in tmp_path.iterdir()) == before
    assert (tmp_path / "copy.toml").read_bytes() == FLAGSHIP.read_bytes()


def test_validate_good_file():
    proc = councilsim_cli("validate", FLAGSHIP)
    assert proc.returncode == EXIT_OK, proc.stderr
    assert proc.stdout.startswith(f"{FLAGSHIP}: valid")
    assert "council unsc-2017 (15 seats, 9 votes to adopt)" in proc.stdout
    assert ", ".join(FLAGSHIP_DRAFTS) in proc.stdout


def test_validate_names_rival_drafts():
    proc = councilsim_cli("validate", ROOT / "scenarios" / "venezuela-2019-02.toml")
    assert proc.returncode == EXIT_OK, proc.stderr
    assert ("2 drafts: s-2019-186 (rival of s-2019-190), s-2019-190 (rival of s-2019-186)"
            in proc.stdout)


def test_validate_bad_file_prints_the_loaders_message():
    path = BAD / "negative-uncertainty.toml"
    proc = councilsim_cli("validate", path)
    assert_clean_error(proc)
    assert proc.stderr == (f"councilsim: error: {path}:17: member[3] (RUS).uncertainty: "
                           "must be >= 1e-06, got -1\n")


def test_syntax_error_and_missing_file_exit_2():
    proc = councilsim_cli("run", BAD / "syntax-error.toml")
    assert_clean_error(proc, "syntax-error.toml:3:24: TOML syntax error")
    proc = councilsim_cli("validate", ROOT / "no-such-file.toml")
    assert_clean_error(proc, "no-such-file.toml: cannot read the file")


@pytest.mark.parametrize("draws", ["0", "many", "1.5e0", "1e", "0e3", "inf"])
def test_bad_draws_exit_2(draws):
    proc = councilsim_cli("run", FLAGSHIP, "--method", "monte_carlo", "--draws", draws)
    assert proc.returncode == EXIT_BAD_INPUT
    assert "Traceback" not in proc.stderr
    assert (f"expected a positive whole number such as 100000, 100_000 or 1e5, got '{draws}'"
            in proc.stderr)


def test_no_command_shows_help_and_exits_2():
    proc = councilsim_cli()
    assert proc.returncode == EXIT_BAD_INPUT
    assert "usage: councilsim" in proc.stdout


def test_compare_one_line_per_draft():
    proc = councilsim_cli("compare", FLAGSHIP)
    assert proc.returncode == EXIT_OK, proc.stderr
    lines = [line for line in proc.stdout.splitlines() if not line.startswith("--")]
    assert lines[0].split()[:3] == ["draft", "P(adopted)", "uncertainty"]
    assert [line.split()[0] for line in lines[1:-1]] == FLAGSHIP_DRAFTS
    # The last line says how the numbers were computed, and by which version.
    assert lines[-1].startswith(f"exact; councilsim {councilsim.__version__}; scenario sha256 ")
    first = lines[1].split()
    assert first[-2] in {"CHN", "RUS"}  # most likely veto of the first US draft
    assert "quadrature error ≤" in lines[1] and "95%" not in proc.stdout


def test_schema_is_json():
    proc = councilsim_cli("schema")
    assert proc.returncode == EXIT_OK, proc.stderr
    schema = json.loads(proc.stdout)
    assert schema["type"] == "object"
    assert "properties" in schema and "$defs" in schema


def test_monte_carlo_with_a_seed_is_reproducible():
    args = ("run", FLAGSHIP, "--method", "monte_carlo", "--draws", "20000", "--seed", "1",
            "--format", "json")
    first, second = councilsim_cli(*args), councilsim_cli(*args)
    assert first.returncode == second.returncode == EXIT_OK, first.stderr
    assert first.stdout == second.stdout
    results = json.loads(first.stdout)
    for result in results.values():
        assert (result["method"], result["draws"], result["seed"]) == ("monte_carlo", 20000, 1)
    # Same draws for every draft (one seed), and close to the exact answer.
    exact = councilsim.simulate(FLAGSHIP, "res-2375")
    mc = results["res-2375"]
    assert abs(mc["p_adopted"] - exact.p_adopted) < 5 * mc["std_error"]
