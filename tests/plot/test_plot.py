#!/usr/bin/python3
"""Tests of scripts/plot.py, run as a user runs it, on small CSV files written here.

Run directly with Debian's Python, which has matplotlib, pandas and numpy:

    /usr/bin/python3 tests/plot/test_plot.py

CTest runs it as the test PlotScript. Without matplotlib, pandas or numpy it exits with code 77, which
CTest reports as skipped. It needs no tlt binary.
"""

import contextlib
import importlib.util
import io
import json
import math
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import unittest

SCRIPTS_DIR = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts"))
PLOT_SCRIPT = os.path.join(SCRIPTS_DIR, "plot.py")

MISSING_MODULES = [name for name in ("matplotlib", "numpy", "pandas", "PIL") if importlib.util.find_spec(name) is None]
if MISSING_MODULES:
    print(f"skipped: {sys.executable} lacks {', '.join(MISSING_MODULES)}; run with /usr/bin/python3", file=sys.stderr)
    sys.exit(77)

from PIL import Image  # noqa: E402

# The tests leave no __pycache__ folders in the source tree, in this process or in the subprocesses.
sys.dont_write_bytecode = True
sys.path.insert(0, SCRIPTS_DIR)
import plot  # noqa: E402
from tltplot import surfaces  # noqa: E402

SETTINGS = ("sgd", "sgd+plateau", "nag", "nag+plateau", "adam", "adam+plateau")

# The sidecar of a surface along the two PCA components, as tlt landscape writes it (abridged).
PCA_SIDECAR = {
    "directions": {"x": {"kind": "pca", "component": 1, "explained_variance_ratio": 0.8},
                   "y": {"kind": "pca", "component": 2, "explained_variance_ratio": 0.15}},
    "pca": {"trajectory": [{"checkpoint": "runs/base/epoch_001.pt", "x": -0.8, "y": 0.5},
                           {"checkpoint": "runs/base/epoch_002.pt", "x": -0.3, "y": 0.2},
                           {"checkpoint": "runs/base/epoch_003.pt", "x": 0.0, "y": 0.0}]},
    "grid": {"x": {"min": -1, "max": 1, "points": 11}, "y": {"min": -1, "max": 1, "points": 11}, "scale": 1.0},
}


# ---------------------------------------------------------------------------------------------------------
# Input files, written as tlt writes them.

def bowl(x, y, centre=(0.2, -0.1)):
    """Quadratic bowl with its minimum 1.0 at `centre`."""
    return 1.0 + (x - centre[0]) ** 2 + 2.0 * (y - centre[1]) ** 2


def format_value(value):
    if math.isnan(value):
        return "nan"
    if value == math.inf:
        return "inf"
    return f"{value:.9g}"


def write_surface(path, nx=11, ny=11, centre=(0.2, -0.1), bad_points=(), sidecar=None, empty_y=False):
    """Write an nx by ny surface of the bowl on [-1, 1]^2; bad_points maps (ix, iy) to nan or inf."""
    bad_points = dict(bad_points)
    lines = ["ix,iy,x,y,loss,ppl,acc"]
    for iy in range(ny):
        for ix in range(nx):
            x = -1.0 + 2.0 * ix / (nx - 1)
            y = -1.0 + 2.0 * iy / (ny - 1) if ny > 1 else 0.0
            loss = bad_points.get((ix, iy), bowl(x, y, centre))
            y_text = "" if empty_y else f"{y:.9g}"
            lines.append(f"{ix},{iy},{x:.9g},{y_text},{format_value(loss)},{format_value(math.exp(min(loss, 100)))},"
                         f"{format_value(1.0 / (1.0 + loss))}")
    write_text(path, "\n".join(lines) + "\n")
    if sidecar is not None:
        write_text(path + ".json", json.dumps(sidecar))
    return path


def write_text(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as file:
        file.write(text)
    return path


def write_training_run(folder, epochs=6, reduced_after=(3,), bleu=False):
    train = ["epoch,step,loss,ppl,acc,lr,tokens,wall_s,tok_per_s"]
    valid = ["epoch,loss,ppl,acc,lr_reduced,wall_s" + (",bleu" if bleu else "")]
    lr = 1e-3
    for epoch in range(1, epochs + 1):
        loss = 5.0 / epoch + 1.0
        reduced = 1 if epoch in reduced_after else 0
        # The trainer writes the lr after ReduceLROnPlateau's step, so a reduced epoch shows the new lr.
        if reduced:
            lr *= 0.5
        train.append(f"{epoch},{100 * epoch},{loss:.6g},{math.exp(loss):.6g},{0.2 + 0.1 * epoch:.6g},{lr:.6g},"
                     f"10000,12.5,800")
        bleu_text = f",{3.0 * epoch:.4g}" if bleu else ""
        valid.append(f"{epoch},{loss + 0.3:.6g},{math.exp(loss + 0.3):.6g},{0.15 + 0.1 * epoch:.6g},{reduced},1.5"
                     f"{bleu_text}")
    write_text(os.path.join(folder, "train.csv"), "\n".join(train) + "\n")
    write_text(os.path.join(folder, "valid.csv"), "\n".join(valid) + "\n")
    return folder


def write_synth_folder(folder, epochs=5):
    summary = ["setting,best_valid_loss,best_valid_loss_epoch,best_valid_acc,best_valid_acc_epoch,final_valid_loss,"
               "final_valid_acc,first_epoch_below_threshold,wall_s"]
    for index, setting in enumerate(SETTINGS):
        rows = ["epoch,train_loss,train_acc,valid_loss,valid_acc,lr,lr_reduced"]
        lr = 0.1 / (index + 1)
        for epoch in range(epochs + 1):
            loss = 1.1 / (1 + epoch * (index + 1) / 3)
            reduced = 1 if setting.endswith("+plateau") and epoch == 2 else 0
            rows.append(f"{epoch},{loss:.9g},{1 - loss / 2:.9g},{loss + 0.05:.9g},{1 - loss / 2 - 0.02:.9g},"
                        f"{lr:.9g},{reduced}")
            if reduced:
                lr *= 0.5
        write_text(os.path.join(folder, f"{setting}.csv"), "\n".join(rows) + "\n")
        summary.append(f"{setting},0.3,{epochs},0.8,{epochs},0.3,0.8,2,1.5")
    write_text(os.path.join(folder, "summary.csv"), "\n".join(summary) + "\n")
    return folder


def write_sweep_in_progress(folder):
    """Write a 3x3 sweep whose first 5 points have finished epoch 1 and whose first 2 have finished epoch 2."""
    sweep_json = {"directions": {"x": {"kind": "random", "normalization": "filter", "seed": 0},
                                 "y": {"kind": "random", "normalization": "filter", "seed": 1}},
                  "grid": {"x": {"min": -1, "max": 1, "points": 3}, "y": {"min": -1, "max": 1, "points": 3},
                           "scale": 0.5}}
    write_text(os.path.join(folder, "sweep.json"), json.dumps(sweep_json))
    for epoch, count in ((1, 5), (2, 2)):
        lines = ["ix,iy,x,y,loss,ppl,acc"]
        for index in range(count):
            ix, iy = divmod(index, 3)
            x, y = 0.5 * (ix - 1), 0.5 * (iy - 1)
            loss = bowl(x, y) / epoch
            lines.append(f"{ix},{iy},{x:g},{y:g},{loss:.6g},{math.exp(loss):.6g},0.5")
        write_text(os.path.join(folder, f"sweep_epoch_{epoch:03d}.csv"), "\n".join(lines) + "\n")
    return folder


def write_sparsity(path, rate):
    rows = ["name,numel,pruned,sparsity"]
    total_numel, total_pruned = 0, 0
    names = ["encoder.layers.0.w_qs.weight", "encoder.layers.0.w_ks.weight", "decoder.proj.weight"]
    for index, name in enumerate(names):
        numel = 1000 * (index + 1)
        pruned = int(numel * rate * (1 + 0.1 * index))
        total_numel, total_pruned = total_numel + numel, total_pruned + pruned
        rows.append(f"{name},{numel},{pruned},{pruned / numel:.8g}")
    rows.append(f"total,{total_numel},{total_pruned},{total_pruned / total_numel:.8g}")
    return write_text(path, "\n".join(rows) + "\n")


# ---------------------------------------------------------------------------------------------------------
# Output checks.

def png_size(path):
    with open(path, "rb") as file:
        header = file.read(24)
    if header[:8] != b"\x89PNG\r\n\x1a\n":
        raise AssertionError(f"'{path}' is not a PNG file")
    return struct.unpack(">II", header[16:24])


def gif_size(path):
    with open(path, "rb") as file:
        header = file.read(10)
    if header[:6] not in (b"GIF87a", b"GIF89a"):
        raise AssertionError(f"'{path}' is not a GIF file")
    return struct.unpack("<HH", header[6:10])


def run_script(*arguments):
    environment = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
    return subprocess.run([sys.executable, PLOT_SCRIPT, *arguments], capture_output=True, text=True, timeout=120,
                          env=environment)


class PlotTestCase(unittest.TestCase):
    def setUp(self):
        self.folder = tempfile.mkdtemp(prefix="tlt_plot_test_")
        if not os.environ.get("TLT_KEEP_TEST_DIRS"):
            self.addCleanup(shutil.rmtree, self.folder, ignore_errors=True)

    def path(self, *parts):
        return os.path.join(self.folder, *parts)

    def assert_plots(self, *arguments, in_process=False):
        """Run plot.py and check that it succeeds and writes a non-empty --out file.

        Every subcommand has a test that runs it as a subprocess. Further cases of a subcommand run in this
        process (in_process=True), which saves the import time of matplotlib and pandas.
        """
        if in_process:
            stderr = io.StringIO()
            with contextlib.redirect_stderr(stderr):
                code = plot.main(list(arguments))
            returncode, error_text = code, stderr.getvalue()
        else:
            result = run_script(*arguments)
            returncode, error_text = result.returncode, result.stderr
        self.assertEqual(returncode, 0, msg=f"plot.py {' '.join(arguments)}\nstderr:\n{error_text}")
        out = arguments[arguments.index("--out") + 1]
        self.assertTrue(os.path.isfile(out), msg=f"{out} was not written")
        self.assertGreater(os.path.getsize(out), 0)
        self.assertNotIn("Traceback", error_text)

    def assert_png(self, out, width, height):
        self.assertEqual(png_size(out), (width, height))

    def assert_rejected(self, message_fragment, *arguments):
        """Run plot.py in this process and check exit code 2 and a message fragment on stderr."""
        stderr = io.StringIO()
        with contextlib.redirect_stderr(stderr):
            try:
                code = plot.main(list(arguments))
            except SystemExit as exit_request:
                code = exit_request.code
        self.assertEqual(code, 2, msg=f"plot.py {' '.join(arguments)}\nstderr:\n{stderr.getvalue()}")
        self.assertIn(message_fragment, stderr.getvalue())
        return stderr.getvalue()


# ---------------------------------------------------------------------------------------------------------
# Subcommands, each run as a subprocess.

class SurfaceCommands(PlotTestCase):
    def test_contour_png_has_requested_pixel_size(self):
        sidecar = {"directions": {"x": {"kind": "random", "normalization": "filter", "seed": 0},
                                  "y": {"kind": "random", "normalization": "filter", "seed": 1}}}
        surface = write_surface(self.path("bowl.csv"), sidecar=sidecar)
        out = self.path("contour.png")
        self.assert_plots("contour", surface, "--out", out, "--size", "6x4", "--dpi", "50")
        self.assert_png(out, 300, 200)

    def test_contour_compares_panels_as_pdf(self):
        first = write_surface(self.path("base.csv"))
        second = write_surface(self.path("pruned.csv"), centre=(-0.3, 0.4))
        out = self.path("compare.pdf")
        self.assert_plots("contour", first, second, "--out", out, "--labels", "base", "pruned 30%", "--mark-best",
                          "--levels", "8", "--title", "baseline against pruned", in_process=True)
        with open(out, "rb") as file:
            self.assertEqual(file.read(5), b"%PDF-")

    def test_contour_separate_log_scales_as_svg(self):
        first = write_surface(self.path("a.csv"))
        second = write_surface(self.path("b.csv"), centre=(0.5, 0.5))
        out = self.path("compare.svg")
        self.assert_plots("contour", first, second, "--out", out, "--no-shared-scale", "--log", "--metric", "ppl",
                          in_process=True)
        with open(out, encoding="utf-8") as file:
            self.assertIn("<svg", file.read())

    def test_contour_draws_pca_trajectory(self):
        surface = write_surface(self.path("pca.csv"), sidecar=PCA_SIDECAR)
        out = self.path("pca.png")
        self.assert_plots("contour", surface, "--out", out, "--size", "5x4", "--dpi", "40", in_process=True)
        self.assert_png(out, 200, 160)

    def test_heatmap_of_partial_file(self):
        partial = write_text(self.path("landscape.csv.partial"),
                             "# arguments_hash=0123456789abcdef\nix,iy,x,y,loss,ppl,acc\n"
                             "0,0,-1,-1,3,20,0.1\n0,1,-1,0,2,7.4,0.2\n0,2,-1,1,3,20,0.1\n1,0,0,-1,2,7.4,0.2\n")
        out = self.path("partial.png")
        self.assert_plots("heatmap", partial, "--out", out, "--size", "5x4", "--dpi", "40", in_process=True)
        self.assert_png(out, 200, 160)

    def test_heatmap_masks_nan_and_inf(self):
        surface = write_surface(self.path("diverged.csv"), bad_points={(0, 0): math.nan, (10, 10): math.inf})
        out = self.path("heatmap.png")
        self.assert_plots("heatmap", surface, "--out", out, "--size", "5x4", "--dpi", "40", "--vmax", "3")
        self.assert_png(out, 200, 160)

    def test_surface3d_png(self):
        surface = write_surface(self.path("bowl.csv"), bad_points={(5, 5): math.inf})
        out = self.path("surface.png")
        self.assert_plots("surface3d", surface, "--out", out, "--size", "5x4", "--dpi", "40", "--metric", "acc")
        self.assert_png(out, 200, 160)

    def test_contour_relative_to_centre(self):
        first = write_surface(self.path("base.csv"))
        second = write_surface(self.path("pruned.csv"), centre=(-0.3, 0.4))
        out = self.path("relative.png")
        self.assert_plots("contour", first, second, "--relative", "--mark-best", "--out", out, "--size", "6x4",
                          "--dpi", "50", in_process=True)
        self.assert_png(out, 300, 200)

    def test_curve_with_zero_and_empty_y(self):
        zero_y = write_surface(self.path("base_1d.csv"), nx=21, ny=1)
        empty_y = write_surface(self.path("pruned_1d.csv"), nx=21, ny=1, centre=(0.4, 0.0), empty_y=True,
                                bad_points={(20, 0): math.nan})
        out = self.path("curve.png")
        self.assert_plots("curve", zero_y, empty_y, "--out", out, "--labels", "base", "pruned", "--size", "6x4",
                          "--dpi", "50")
        self.assert_png(out, 300, 200)


class RunCommands(PlotTestCase):
    def test_training_runs_with_lr_reduction(self):
        base = write_training_run(self.path("base"), bleu=True)
        pruned = write_training_run(self.path("pruned"), reduced_after=(2, 4))
        out = self.path("training.png")
        self.assert_plots("training", base, pruned, "--out", out, "--size", "12x4", "--dpi", "30")
        self.assert_png(out, 360, 120)

    def test_training_reads_synth_folder(self):
        study = write_synth_folder(self.path("study"))
        out = self.path("training_synth.png")
        self.assert_plots("training", study, "--out", out, "--size", "9x3", "--dpi", "40", in_process=True)
        self.assert_png(out, 360, 120)

    def test_synth_plots_six_settings(self):
        study = write_synth_folder(self.path("study"))
        out = self.path("synth.png")
        self.assert_plots("synth", study, "--out", out, "--train", "--size", "10x3.5", "--dpi", "40")
        self.assert_png(out, 400, 140)

    def test_sparsity_compares_files(self):
        first = write_sparsity(self.path("p30", "sparsity.csv"), 0.3)
        second = write_sparsity(self.path("p60", "sparsity.csv"), 0.6)
        out = self.path("sparsity.png")
        self.assert_plots("sparsity", first, second, "--out", out, "--size", "7x3", "--dpi", "40")
        self.assert_png(out, 280, 120)


class AnimateCommand(PlotTestCase):
    def test_animate_series_folder_as_gif(self):
        for index, centre in enumerate([(0.6, 0.6), (0.3, 0.2), (0.0, 0.0)]):
            write_surface(self.path("series", f"surface_{index:03d}.csv"), centre=centre,
                          sidecar={"checkpoint": f"runs/base/epoch_{index + 1:03d}.pt"})
        write_text(self.path("series", "surfaces.csv"), "index,checkpoint\n0,epoch_001.pt\n")
        out = self.path("anim.gif")
        self.assert_plots("animate", self.path("series"), "--out", out, "--size", "4x3", "--dpi", "50")
        self.assertEqual(gif_size(out), (200, 150))
        with Image.open(out) as image:
            self.assertEqual(image.n_frames, 3)

    def test_animate_glob_of_1d_sweep(self):
        for epoch in (1, 2, 10):
            write_surface(self.path("sweep", f"sweep_epoch_{epoch:03d}.csv"), nx=9, ny=1, centre=(0.1 * epoch, 0))
        out = self.path("sweep.gif")
        self.assert_plots("animate", self.path("sweep", "sweep_epoch_*.csv"), "--out", out, "--size", "4x3",
                          "--dpi", "40", "--fps", "4", in_process=True)
        with Image.open(out) as image:
            self.assertEqual(image.n_frames, 3)

    def test_animate_sweep_in_progress(self):
        write_sweep_in_progress(self.path("sweep"))
        out = self.path("sweep.gif")
        self.assert_plots("animate", self.path("sweep"), "--allow-missing", "--style", "contour", "--out", out,
                          "--size", "4x3", "--dpi", "40", in_process=True)
        with Image.open(out) as image:
            self.assertEqual(image.n_frames, 2)

    @unittest.skipIf(shutil.which("ffmpeg"), "ffmpeg is on PATH, so .mp4 output is supported")
    def test_mp4_without_ffmpeg_rejected(self):
        write_surface(self.path("series", "surface_000.csv"))
        self.assert_rejected("needs ffmpeg", "animate", self.path("series"), "--out", self.path("anim.mp4"))


# ---------------------------------------------------------------------------------------------------------
# Invalid input: exit code 2 and a message naming the problem, never a traceback.

class InvalidInput(PlotTestCase):
    def test_unknown_subcommand_exits_2(self):
        result = run_script("histogram", "--out", self.path("x.png"))
        self.assertEqual(result.returncode, 2)
        self.assertIn("invalid choice: 'histogram'", result.stderr)
        self.assertNotIn("Traceback", result.stderr)

    def test_missing_file_exits_2(self):
        missing = self.path("missing.csv")
        result = run_script("contour", missing, "--out", self.path("x.png"))
        self.assertEqual(result.returncode, 2)
        self.assertIn(f"cannot read '{missing}': file not found", result.stderr)
        self.assertNotIn("Traceback", result.stderr)

    def test_empty_file(self):
        self.assert_rejected("is empty", "contour", write_text(self.path("empty.csv"), ""), "--out", self.path("x.png"))

    def test_header_without_rows(self):
        header_only = write_text(self.path("header.csv"), "ix,iy,x,y,loss,ppl,acc\n")
        self.assert_rejected("has a header but no data rows", "heatmap", header_only, "--out", self.path("x.png"))

    def test_missing_column(self):
        no_loss = write_text(self.path("no_loss.csv"), "ix,iy,x,y,ppl\n0,0,0,0,1\n")
        self.assert_rejected("has no column 'loss'", "contour", no_loss, "--out", self.path("x.png"))

    def test_missing_grid_point(self):
        surface = write_surface(self.path("bowl.csv"), nx=3, ny=3)
        with open(surface, encoding="utf-8") as file:
            lines = file.readlines()
        write_text(surface, "".join(lines[:5] + lines[6:]))
        message = self.assert_rejected("is not a rectangular grid", "contour", surface, "--out", self.path("x.png"))
        self.assertIn("(ix, iy) = (1, 1) is missing", message)

    def test_sweep_in_progress_needs_allow_missing(self):
        folder = write_sweep_in_progress(self.path("sweep"))
        self.assert_rejected("pass --allow-missing", "contour", os.path.join(folder, "sweep_epoch_001.csv"), "--out",
                             self.path("x.png"))

    def test_repeated_grid_point(self):
        surface = write_surface(self.path("bowl.csv"), nx=3, ny=3)
        with open(surface, encoding="utf-8") as file:
            lines = file.readlines()
        write_text(surface, "".join(lines + lines[1:2]))
        self.assert_rejected("(ix, iy) = (0, 0) occurs 2 times", "contour", surface, "--out", self.path("x.png"))

    def test_coordinates_off_grid(self):
        text = "ix,iy,x,y,loss\n0,0,0,0,1\n1,0,1,0,1\n0,1,0.5,1,1\n1,1,1,1,1\n"
        self.assert_rejected("x differs between points with ix = 0", "contour", write_text(self.path("skew.csv"), text),
                             "--out", self.path("x.png"))

    def test_field_not_a_number(self):
        text = "ix,iy,x,y,loss\n0,0,0,0,1\n1,0,1,0,abc\n"
        self.assert_rejected("column 'loss' is 'abc', expected a number", "curve",
                             write_text(self.path("text.csv"), text), "--out", self.path("x.png"))

    def test_1d_surface_for_contour(self):
        curve = write_surface(self.path("line.csv"), nx=5, ny=1)
        self.assert_rejected("plot it with the curve subcommand", "contour", curve, "--out", self.path("x.png"))

    def test_2d_surface_for_curve(self):
        surface = write_surface(self.path("bowl.csv"), nx=3, ny=3)
        self.assert_rejected("is a 2-D surface (3x3)", "curve", surface, "--out", self.path("x.png"))

    def test_all_values_nan(self):
        surface = write_surface(self.path("nan.csv"), nx=2, ny=2, bad_points={(i, j): math.nan for i in range(2)
                                                                             for j in range(2)})
        self.assert_rejected("has no finite loss values", "heatmap", surface, "--out", self.path("x.png"))

    def test_invalid_size(self):
        surface = write_surface(self.path("bowl.csv"), nx=3, ny=3)
        self.assert_rejected("--size '6by4' is invalid", "contour", surface, "--out", self.path("x.png"),
                             "--size", "6by4")

    def test_unknown_extension(self):
        surface = write_surface(self.path("bowl.csv"), nx=3, ny=3)
        self.assert_rejected("has the extension '.jpg'", "contour", surface, "--out", self.path("x.jpg"))

    def test_label_count_mismatch(self):
        surface = write_surface(self.path("bowl.csv"), nx=3, ny=3)
        self.assert_rejected("--labels has 2 labels for 1 surfaces", "contour", surface, "--out", self.path("x.png"),
                             "--labels", "a", "b")

    def test_folder_without_run_files(self):
        os.makedirs(self.path("nothing"))
        self.assert_rejected("contains neither train.csv nor valid.csv", "training", self.path("nothing"), "--out",
                             self.path("x.png"))

    def test_synth_given_a_training_run(self):
        run = write_training_run(self.path("base"))
        self.assert_rejected("is not a synth-attn study folder", "synth", run, "--out", self.path("x.png"))

    def test_vmin_above_vmax(self):
        surface = write_surface(self.path("bowl.csv"), nx=3, ny=3)
        self.assert_rejected("--vmin 5 must be less than --vmax 2", "contour", surface, "--out", self.path("x.png"),
                             "--vmin", "5", "--vmax", "2")

    def test_relative_with_log(self):
        surface = write_surface(self.path("bowl.csv"), nx=3, ny=3)
        self.assert_rejected("--relative and --log cannot be combined", "contour", surface, "--out",
                             self.path("x.png"), "--relative", "--log")

    def test_relative_without_centre_value(self):
        surface = write_surface(self.path("bowl.csv"), nx=3, ny=3, bad_points={(1, 1): math.nan})
        self.assert_rejected("no finite loss at its centre point (0, 0)", "heatmap", surface, "--out",
                             self.path("x.png"), "--relative")

    def test_series_folder_without_frames(self):
        os.makedirs(self.path("empty_series"))
        self.assert_rejected("contains no surface_NNN.csv or sweep_epoch_NNN.csv", "animate", self.path("empty_series"),
                             "--out", self.path("x.gif"))


# ---------------------------------------------------------------------------------------------------------
# Reading surfaces, checked in this process.

class SurfaceReading(PlotTestCase):
    def test_grid_orders_values_by_index(self):
        text = "ix,iy,x,y,loss,ppl,acc\n1,1,1,2,4,0,0\n0,0,0,1,1,0,0\n1,0,1,1,2,0,0\n0,1,0,2,3,0,0\n"
        surface = surfaces.read_surface(write_text(self.path("shuffled.csv"), text), "loss")
        self.assertEqual(surface.x.tolist(), [0.0, 1.0])
        self.assertEqual(surface.y.tolist(), [1.0, 2.0])
        self.assertEqual(surface.values.tolist(), [[1.0, 2.0], [3.0, 4.0]])

    def test_nan_and_inf_are_masked(self):
        path = write_surface(self.path("bad.csv"), nx=3, ny=3, bad_points={(0, 0): math.nan, (2, 1): math.inf})
        surface = surfaces.read_surface(path, "loss")
        self.assertEqual(surface.masked_count, 2)
        self.assertTrue(surface.values.mask[0, 0])
        self.assertTrue(surface.values.mask[1, 2])

    def test_perplexity_masked_where_loss_diverged(self):
        path = write_surface(self.path("diverged.csv"), nx=3, ny=3, bad_points={(1, 1): math.inf})
        surface = surfaces.read_surface(path, "ppl")
        self.assertEqual(surface.masked_count, 1)
        self.assertTrue(surface.values.mask[1, 1])

    def test_wide_value_range_warns(self):
        text = "ix,iy,x,y,loss\n0,0,0,0,1\n1,0,1,0,500\n0,1,0,1,2\n1,1,1,1,3\n"
        stderr = io.StringIO()
        with contextlib.redirect_stderr(stderr):
            code = plot.main(["heatmap", write_text(self.path("wide.csv"), text), "--out", self.path("wide.png")])
        self.assertEqual(code, 0)
        self.assertIn("use --log or --vmax", stderr.getvalue())

    def test_subtract_centre_keeps_shape(self):
        path = write_surface(self.path("bowl.csv"), nx=5, ny=5, centre=(0.5, 0.0))
        surface = surfaces.read_surface(path, "loss")
        before = surface.values.copy()
        surfaces.subtract_centre([surface])
        self.assertEqual(surface.values[2, 2], 0.0)
        self.assertAlmostEqual(float(surface.values[2, 4]), float(before[2, 4] - before[2, 2]))
        self.assertTrue(surface.relative)
        self.assertEqual(surface.value_label, "loss (cross-entropy, nats), minus its value at (0, 0)")

    def test_axis_label_from_sidecar(self):
        metadata = {"directions": {"x": {"kind": "random", "normalization": "filter", "seed": 3},
                                   "y": {"kind": "pca", "component": 2, "explained_variance_ratio": 0.125}}}
        self.assertEqual(surfaces.describe_direction(metadata, "x"), "x (random, filter, seed 3)")
        self.assertEqual(surfaces.describe_direction(metadata, "y"), "y (PCA component 2, 12.5% of variance)")
        self.assertEqual(surfaces.describe_direction({}, "x"), "x")

    def test_axis_label_of_target_direction(self):
        metadata = {"directions": {"x": {"kind": "target", "from": "runs/base/init.pt", "to": "runs/base/best.pt"},
                                   "y": None}}
        self.assertEqual(surfaces.describe_direction(metadata, "x"), "x (target, init.pt to best.pt)")
        self.assertEqual(surfaces.describe_direction(metadata, "y"), "y")

    def test_pca_trajectory_from_sidecar(self):
        coordinates, names = surfaces.pca_trajectory(PCA_SIDECAR)
        self.assertEqual(coordinates.tolist(), [[-0.8, 0.5], [-0.3, 0.2], [0.0, 0.0]])
        self.assertEqual(names, ["epoch_001", "epoch_002", "epoch_003"])

    def test_no_trajectory_for_random_directions(self):
        metadata = dict(PCA_SIDECAR, directions={"x": {"kind": "random"}, "y": {"kind": "random"}})
        self.assertIsNone(surfaces.pca_trajectory(metadata))

    def test_sweep_in_progress_uses_sweep_json_grid(self):
        folder = write_sweep_in_progress(self.path("sweep"))
        surface = surfaces.read_surface(os.path.join(folder, "sweep_epoch_002.csv"), "loss", allow_missing=True)
        self.assertEqual(surface.x.tolist(), [-0.5, 0.0, 0.5])
        self.assertEqual(surface.y.tolist(), [-0.5, 0.0, 0.5])
        self.assertEqual(surface.missing_count, 7)
        self.assertEqual(surface.axis_label("x"), "x (random, filter, seed 0)")

    def test_partial_file_extends_axis_linearly(self):
        partial = write_text(self.path("landscape.csv.partial"),
                             "# arguments_hash=0123456789abcdef\nix,iy,x,y,loss,ppl,acc\n"
                             "0,0,-1,-1,3,20,0.1\n0,1,-1,0,2,7.4,0.2\n1,0,-0.5,-1,2,7.4,0.2\n")
        surface = surfaces.read_surface(partial, "loss", allow_missing=False)
        self.assertEqual(surface.x.tolist(), [-1.0, -0.5])
        self.assertEqual(surface.y.tolist(), [-1.0, 0.0])
        self.assertEqual(surface.missing_count, 1)


if __name__ == "__main__":
    unittest.main()
