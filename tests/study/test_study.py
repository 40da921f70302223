#!/usr/bin/python3
"""End-to-end test of scripts/study.sh: the smoke profile from an empty folder, then reruns.

    /usr/bin/python3 tests/study/test_study.py TLT_BINARY

The smoke profile (configs/study/smoke.sh) runs every stage of the study on 300 Multi30k pairs with 3 x 3
grids. The data come from $TLT_MULTI30K_DIR, else ../shared/data/multi30k beside the repository. Exit code
77 (skipped, for CTest) when the data, matplotlib or pandas is missing. TLT_KEEP_TEST_DIRS=1 keeps the
study folder.
"""

import glob
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

REPOSITORY = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
STUDY_SCRIPT = os.path.join(REPOSITORY, "scripts", "study.sh")
SKIP_EXIT_CODE = 77

# Set by main() from the command line.
TLT_BINARY = None


def multi30k_dir():
    configured = os.environ.get("TLT_MULTI30K_DIR")
    if configured:
        return configured
    return os.path.join(os.path.dirname(REPOSITORY), "shared", "data", "multi30k")


def run_study(*arguments, environment=None):
    """Run scripts/study.sh with the arguments; return the CompletedProcess with stdout and stderr merged."""
    env = dict(os.environ, TLT=TLT_BINARY, TLT_MULTI30K_DIR=multi30k_dir(), OMP_WAIT_POLICY="PASSIVE")
    env.update(environment or {})
    return subprocess.run(["bash", STUDY_SCRIPT, *arguments], env=env, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True, check=False)


def marker_times(study):
    """Return the modification time of every stage marker, by file name."""
    return {os.path.basename(path): os.stat(path).st_mtime_ns for path in glob.glob(os.path.join(study, "stages", "*"))}


class SmokeStudy(unittest.TestCase):
    """One smoke study, run once in setUpClass; the tests check it and rerun it."""

    @classmethod
    def setUpClass(cls):
        cls.work = tempfile.mkdtemp(prefix="tlt-study-test-")
        cls.study = os.path.join(cls.work, "study")
        cls.first = run_study("smoke", "--out", cls.study)

    @classmethod
    def tearDownClass(cls):
        if os.environ.get("TLT_KEEP_TEST_DIRS"):
            print(f"kept {cls.work}", file=sys.stderr)
        else:
            shutil.rmtree(cls.work, ignore_errors=True)

    def assert_succeeded(self, result):
        self.assertEqual(result.returncode, 0, f"study.sh failed; its output:\n{result.stdout[-6000:]}")

    def test_first_run_writes_report_with_existing_figures(self):
        self.assert_succeeded(self.first)
        report_path = os.path.join(self.study, "report.md")
        self.assertTrue(os.path.isfile(report_path))
        with open(report_path, encoding="utf-8") as file:
            report = file.read()
        links = re.findall(r"\]\((figures/[^)]+)\)", report)
        self.assertGreaterEqual(len(links), 7, f"too few figure links in report.md:\n{report}")
        for link in links:
            path = os.path.join(self.study, link)
            self.assertTrue(os.path.isfile(path), f"report.md links '{link}', which does not exist")
            self.assertGreater(os.path.getsize(path), 1000, f"'{link}' is too small to be a figure")
        for heading in ("## Training", "## Loss landscapes", "## Optimizers on the synth-attn task", "## Stages"):
            self.assertIn(heading, report)

    def test_first_run_completes_every_stage(self):
        self.assert_succeeded(self.first)
        started = re.findall(r"\[study\] (\S+): running", self.first.stdout)
        done = re.findall(r"\[study\] (\S+): done in", self.first.stdout)
        self.assertEqual(started, done)
        # base, p50-rewind and p50-random: one training, two prunings, six surfaces, the series, synth-attn,
        # figures and report.
        self.assertEqual(len(done), 13)
        self.assertEqual(sorted(marker_times(self.study)), sorted(f"{stage}.done" for stage in done))

    def test_rerun_skips_every_stage(self):
        self.assert_succeeded(self.first)
        before = marker_times(self.study)
        rerun = run_study("smoke", "--out", self.study)
        self.assert_succeeded(rerun)
        self.assertNotIn(": running", rerun.stdout)
        self.assertEqual(len(re.findall(r": skipped \(complete\)", rerun.stdout)), len(before))
        self.assertEqual(marker_times(self.study), before)

    def test_rerun_runs_only_the_stage_without_marker(self):
        self.assert_succeeded(self.first)
        os.remove(os.path.join(self.study, "stages", "report.done"))
        rerun = run_study("smoke", "--out", self.study)
        self.assert_succeeded(rerun)
        self.assertEqual(re.findall(r"\[study\] (\S+): running", rerun.stdout), ["report"])
        self.assertTrue(os.path.isfile(os.path.join(self.study, "stages", "report.done")))

    def test_rerun_with_other_settings_is_rejected(self):
        self.assert_succeeded(self.first)
        profile = os.path.join(self.work, "smoke-changed.sh")
        with open(os.path.join(REPOSITORY, "configs", "study", "smoke.sh"), encoding="utf-8") as file:
            text = file.read()
        with open(profile, "w", encoding="utf-8") as file:
            file.write(text.replace("eval_sentences=16", "eval_sentences=17"))
        result = run_study(profile, "--out", self.study)
        self.assertEqual(result.returncode, 2, result.stdout)
        self.assertIn("holds a study with other settings", result.stdout)
        self.assertIn("eval_sentences: 17", result.stdout)


class StudyUsage(unittest.TestCase):
    """Usage errors, checked before any stage runs."""

    def test_unknown_profile_is_rejected(self):
        result = run_study("no-such-profile")
        self.assertEqual(result.returncode, 2)
        self.assertIn("profile 'no-such-profile' not found", result.stdout)
        self.assertIn("quick", result.stdout)

    def test_missing_data_is_reported(self):
        with tempfile.TemporaryDirectory() as work:
            result = run_study("smoke", "--out", os.path.join(work, "study"),
                               environment={"TLT_MULTI30K_DIR": os.path.join(work, "missing")})
            self.assertEqual(result.returncode, 3)
            self.assertIn("Multi30k not found", result.stdout)
            self.assertFalse(os.path.exists(os.path.join(work, "study")))

    def test_invalid_profile_value_is_rejected(self):
        with tempfile.TemporaryDirectory() as work:
            profile = os.path.join(work, "bad.sh")
            with open(profile, "w", encoding="utf-8") as file:
                file.write("train_config=configs/study/quick.yaml\nprune_rates=(0.3 1.5)\nlocal_range=1:2\n")
            result = run_study(profile, "--out", os.path.join(work, "study"))
            self.assertEqual(result.returncode, 2)
            self.assertIn("prune rate '1.5' is not a number in (0, 1)", result.stdout)
            self.assertIn("local_range is '1:2', expected MIN:MAX:POINTS", result.stdout)


def main():
    global TLT_BINARY
    if len(sys.argv) < 2:
        print(f"usage: {sys.argv[0]} TLT_BINARY [unittest options]", file=sys.stderr)
        return 2
    TLT_BINARY = os.path.abspath(sys.argv.pop(1))
    try:
        import matplotlib  # noqa: F401  (the figures stage needs it)
        import pandas  # noqa: F401
    except ModuleNotFoundError as error:
        print(f"skipped: {sys.executable} has no module '{error.name}'", file=sys.stderr)
        return SKIP_EXIT_CODE
    if not os.path.isfile(os.path.join(multi30k_dir(), "train.de.gz")):
        print(f"skipped: Multi30k not found in '{multi30k_dir()}'; set TLT_MULTI30K_DIR", file=sys.stderr)
        return SKIP_EXIT_CODE
    program = unittest.main(exit=False, verbosity=2)
    return 0 if program.result.wasSuccessful() else 1


if __name__ == "__main__":
    sys.exit(main())
