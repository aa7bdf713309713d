"""Long runs report progress and stop cleanly on Ctrl-C, leaving no partial output."""

import signal
import subprocess
import sys
import time

from paths import REPO_ROOT

import councilsim as cs

FLAGSHIP = REPO_ROOT / "scenarios" / "dprk-2017-09.toml"


def test_progress_is_reported_per_task_up_to_the_total():
    seen = []
    cs.simulate(cs.load_scenario(FLAGSHIP), "res-2375", method="monte_carlo", draws=50_000,
                seed=1, chunk_draws=8192, progress=lambda done, total: seen.append((done, total)))
    assert [total for _, total in seen] == [50_000] * len(seen)
    done = [d for d, _ in seen]
    assert done == sorted(done) and done[-1] == 50_000 and len(done) == 7


def test_ctrl_c_stops_a_long_run_with_a_message_and_no_output_file(tmp_path):
    out = tmp_path / "result.json"
    process = subprocess.Popen(
        [sys.executable, "-m", "councilsim", "run", str(FLAGSHIP), "--method", "monte_carlo",
         "--draws", "2000000000", "--format", "json", "--out", str(out)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    time.sleep(3.0)  # past start-up, inside the simulation
    process.send_signal(signal.SIGINT)
    stdout, stderr = process.communicate(timeout=60)
    assert process.returncode == 130
    assert "interrupted" in stderr and "Traceback" not in stderr
    assert not out.exists()
    assert list(tmp_path.iterdir()) == []  # no temporary file left behind either
