#!/usr/bin/python3
"""Draw the figures of a study folder written by scripts/study.sh, and write its report.md.

    /usr/bin/python3 scripts/study_report.py figures runs/study-quick
    /usr/bin/python3 scripts/study_report.py report runs/study-quick

`figures` calls scripts/plot.py once per figure and writes STUDY/figures/. `report` reads the CSV files of
the study and writes STUDY/report.md, with the tables of convergence epoch, best accuracy and loss, and
links to the figures. Both need only the files of the study folder, so they can be rerun on a copy.
Exit codes: 0 success, 2 invalid or incomplete study folder, or a plot that failed.
"""

import argparse
import dataclasses
import datetime
import glob
import json
import math
import os
import re
import subprocess
import sys

import numpy as np
import pandas as pd

PLOT_SCRIPT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "plot.py")

# A run has converged at the first epoch whose validation loss is within this fraction of its best one.
CONVERGENCE_TOLERANCE = 0.02

# Figures are drawn at this resolution, which keeps a PNG of several panels near 100 KB.
FIGURE_DPI = 100

# Most frames of the epoch-wise series drawn as panels of one figure; the animation has all of them.
MAX_SERIES_PANELS = 6

# The value scale of the loss surfaces ends at this multiple of the lowest loss on any of the compared
# surfaces. Far from a minimum a Transformer's loss grows by orders of magnitude, and without a cap the
# contour levels crowd where the loss is high and leave the basin around the minimum without lines.
SURFACE_LOSS_CAP = 2.5

# Axis labels of every surface figure. Every surface uses the directions that the base run's global view
# drew and saved, so the sidecars of the other surfaces name only the files x.pt and y.pt.
DIRECTION_LABELS = ["--xlabel", "x (shared random direction, filter-normalised)",
                    "--ylabel", "y (shared random direction, filter-normalised)"]


class StudyError(Exception):
    """A missing or unreadable file of the study folder, or a plot that failed."""


@dataclasses.dataclass
class Model:
    """A trained model of the study: the base run or a retrained pruned network."""

    name: str  # folder name in the study: "base", or "p30-rewind" for rate 0.3 retrained from w0
    label: str  # name in figures and tables
    run: str  # tlt train run folder, relative to the study folder
    percent: int = 0  # pruned share of the prunable weights, in percent (0 for the base run)
    init: str = ""  # "rewind" or "random" for a pruned network


def find_models(study):
    """Return the base run and the pruned networks of a study, ordered by rate, then rewind before random."""
    if not os.path.isfile(os.path.join(study, "base", "valid.csv")):
        raise StudyError(f"'{study}' has no base/valid.csv; run scripts/study.sh first, or give the study folder")
    models = [Model(name="base", label="base", run="base")]
    pruned = []
    for path in glob.glob(os.path.join(study, "p*-*")):
        match = re.fullmatch(r"p(\d+)-(rewind|random)", os.path.basename(path))
        if match and os.path.isfile(os.path.join(path, "train", "valid.csv")):
            name, percent, init = match.group(0), int(match.group(1)), match.group(2)
            pruned.append(Model(name=name, label=f"{percent}% {init}", run=os.path.join(name, "train"), percent=percent,
                                init=init))
    pruned.sort(key=lambda model: (model.percent, model.init != "rewind"))
    return models + pruned


def read_csv(path, columns):
    """Read a CSV file that must have the given columns; raise StudyError naming the file otherwise."""
    try:
        table = pd.read_csv(path, comment="#")
    except FileNotFoundError:
        raise StudyError(f"'{path}' not found; rerun scripts/study.sh to complete the study") from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError, OSError) as error:
        raise StudyError(f"cannot read '{path}': {error}") from None
    missing = [column for column in columns if column not in table.columns]
    if missing or table.empty:
        raise StudyError(f"'{path}' has no rows or lacks the columns {missing}; it was not written by tlt")
    return table


# -------------------------------------------------------------------------------------------------------
# Figures.


def run_plot(study, arguments):
    """Run scripts/plot.py with the arguments, from the study folder, at FIGURE_DPI."""
    command = [sys.executable, PLOT_SCRIPT, *arguments, "--dpi", str(FIGURE_DPI)]
    result = subprocess.run(command, cwd=study, capture_output=True, text=True, check=False)
    if result.stderr:
        sys.stderr.write(result.stderr)
    if result.returncode != 0:
        raise StudyError(f"plot.py failed with exit code {result.returncode}: {' '.join(arguments)}")
    print(f"[study] wrote {arguments[arguments.index('--out') + 1]}", file=sys.stderr)


def loss_ceiling(paths):
    """Return the end of the loss scale for the given surfaces: SURFACE_LOSS_CAP times the lowest loss."""
    lowest = min(np.nanmin(np.where(np.isfinite(table["loss"]), table["loss"], np.nan))
                 for table in (read_csv(path, ["loss"]) for path in paths))
    return f"{SURFACE_LOSS_CAP * lowest:.3g}"


def series_frames(study):
    """Return (csv, label) of at most MAX_SERIES_PANELS frames of the epoch-wise series, first and last
    included, and the number of frames in the series."""
    folder = os.path.join("landscape", "base-epochs")
    index = read_csv(os.path.join(study, folder, "index.csv"), ["index", "checkpoint", "csv"])
    frames = [(os.path.join(folder, str(row.csv)), checkpoint_label(str(row.checkpoint))) for row in index.itertuples()]
    if len(frames) <= MAX_SERIES_PANELS:
        return frames, len(frames)
    chosen = np.unique(np.linspace(0, len(frames) - 1, MAX_SERIES_PANELS).round().astype(int))
    return [frames[i] for i in chosen], len(frames)


def checkpoint_label(checkpoint):
    """Return "w0" for init.pt and "epoch N" for epoch_00N.pt; other names as they are."""
    name = os.path.basename(checkpoint)
    match = re.fullmatch(r"epoch_(\d+)\.pt", name)
    if match:
        return f"epoch {int(match.group(1))}"
    return "w0 (init.pt)" if name == "init.pt" else name


def draw_figures(study):
    """Write every figure of the report into STUDY/figures."""
    models = find_models(study)
    labels = [model.label for model in models]
    os.makedirs(os.path.join(study, "figures"), exist_ok=True)

    run_plot(study, ["training", *[model.run for model in models], "--labels", *labels,
                     "--title", "Training of the base run and the retrained pruned networks",
                     "--out", "figures/training.png"])
    # Both inits of one rate share the mask, so one sparsity table per rate.
    rates = {}
    for model in models[1:]:
        rates.setdefault(model.percent, model)
    if rates:
        run_plot(study, ["sparsity", *[os.path.join(model.name, "sparsity.csv") for model in rates.values()],
                         "--labels", *[f"{percent}%" for percent in rates],
                         "--title", "Share of pruned weights per tensor, one global magnitude threshold",
                         "--out", "figures/sparsity.png"])

    # The global view shows each model's loss. In the local view and the epoch-wise series the surfaces lie
    # at different levels but vary by a fraction of a nat. They are drawn as differences from their centre,
    # because on one absolute scale most panels would have no contour inside their range.
    for view, title, scale_options in (("global", "global view", None), ("local", "local view", ["--relative"])):
        paths = [os.path.join("landscape", f"{model.name}-{view}.csv") for model in models]
        if scale_options is None:
            scale_options = ["--vmax", loss_ceiling([os.path.join(study, path) for path in paths])]
        run_plot(study, ["contour", *paths, "--labels", *labels, "--mark-best", *scale_options, *DIRECTION_LABELS,
                         "--title", f"Validation loss along shared directions, {title}",
                         "--out", f"figures/landscape-{view}.png"])
    base_global = os.path.join("landscape", "base-global.csv")
    run_plot(study, ["surface3d", base_global, "--labels", "base", "--vmax",
                     loss_ceiling([os.path.join(study, base_global)]), *DIRECTION_LABELS,
                     "--title", "Base run, global view", "--out", "figures/landscape-base-3d.png"])

    frames, frame_count = series_frames(study)
    subset_note = "" if len(frames) == frame_count else f" ({len(frames)} of {frame_count} checkpoints)"
    run_plot(study, ["contour", *[path for path, _ in frames], "--labels", *[label for _, label in frames],
                     "--relative", "--mark-best", *DIRECTION_LABELS,
                     "--title", f"Base run: the same directions around w0 and each epoch's weights{subset_note}",
                     "--out", "figures/landscape-epochs.png"])
    run_plot(study, ["animate", os.path.join("landscape", "base-epochs"), "--relative", *DIRECTION_LABELS,
                     "--out", "figures/landscape-epochs.gif"])

    run_plot(study, ["synth", "synth-attn", "--train", "--title", "Optimizers on the synth-attn task",
                     "--out", "figures/synth.png"])


# -------------------------------------------------------------------------------------------------------
# Report.


def format_number(value, digits=4):
    """Format a float for a table: fixed digits, or an empty cell for nan."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, (int, np.integer)):
        return str(value)
    return f"{value:.{digits}f}"


def markdown_table(header, rows):
    """Return a Markdown table with the header row and the rows (lists of cells)."""
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(" --- " for _ in header) + "|"]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def convergence_epoch(epochs, losses):
    """Return the first epoch whose loss is within CONVERGENCE_TOLERANCE of the lowest loss, or None."""
    finite = np.isfinite(losses)
    if not finite.any():
        return None
    best = losses[finite].min()
    reached = finite & (losses <= best + CONVERGENCE_TOLERANCE * abs(best))
    return int(epochs[reached.argmax()])


def training_rows(study, models):
    """Return one table row per model: sparsity, convergence epoch, best and final validation metrics, time."""
    rows = []
    for model in models:
        valid = read_csv(os.path.join(study, model.run, "valid.csv"), ["epoch", "loss", "acc"]).sort_values("epoch")
        train = read_csv(os.path.join(study, model.run, "train.csv"), ["epoch", "loss", "wall_s"])
        epochs, losses = valid["epoch"].to_numpy(), valid["loss"].to_numpy(dtype=float)
        best = int(np.nanargmin(losses))
        sparsity = ""
        if model.percent:
            sparsity_table = read_csv(os.path.join(study, model.name, "sparsity.csv"), ["name", "sparsity"])
            total = sparsity_table[sparsity_table["name"].astype(str).str.strip() == "total"]["sparsity"]
            sparsity = format_number(float(total.iloc[0]) if len(total) else float("nan"), 3)
        rows.append([model.label, sparsity, format_number(convergence_epoch(epochs, losses)), int(epochs[best]),
                     format_number(losses[best]), format_number(float(valid["acc"].max())),
                     format_number(float(losses[-1])), format_number(float(valid["acc"].iloc[-1])),
                     format_number(float(train["wall_s"].sum()), 0)])
    return rows


def landscape_rows(study, models, view):
    """Return one table row per model: the loss and accuracy at the centre, the lowest loss and its point."""
    rows = []
    for model in models:
        table = read_csv(os.path.join(study, "landscape", f"{model.name}-{view}.csv"), ["x", "y", "loss", "acc"])
        table["y"] = table["y"].fillna(0.0)
        centre = table.iloc[int(np.argmin(table["x"].abs() + table["y"].abs()))]
        lowest = table.iloc[int(np.nanargmin(table["loss"].to_numpy(dtype=float)))]
        finite = np.isfinite(table["loss"].to_numpy(dtype=float))
        rows.append([model.label, format_number(centre["loss"]), format_number(centre["acc"]),
                     format_number(lowest["loss"]), f"({lowest['x']:.3g}, {lowest['y']:.3g})",
                     format_number(float(table["loss"][finite].max())), len(table)])
    return rows


def synth_rows(study):
    """Return one table row per synth-attn setting from its summary.csv and <setting>.csv."""
    summary = read_csv(os.path.join(study, "synth-attn", "summary.csv"),
                       ["setting", "best_valid_loss", "best_valid_acc", "first_epoch_below_threshold"])
    rows = []
    for row in summary.itertuples():
        table = read_csv(os.path.join(study, "synth-attn", f"{row.setting}.csv"), ["epoch", "valid_loss"])
        below = row.first_epoch_below_threshold
        rows.append([row.setting, format_number(convergence_epoch(table["epoch"].to_numpy(),
                                                                  table["valid_loss"].to_numpy(dtype=float))),
                     "" if pd.isna(below) else int(below), format_number(row.best_valid_loss),
                     format_number(row.best_valid_acc), format_number(getattr(row, "wall_s", float("nan")), 1)])
    return rows


def stage_rows(study):
    """Return (rows, total seconds) of the stage markers, in the order the stages finished."""
    stages = []
    for path in glob.glob(os.path.join(study, "stages", "*.done")):
        with open(path, encoding="utf-8") as file:
            stages.append(json.load(file))
    stages.sort(key=lambda stage: stage.get("finished", ""))
    rows = [[stage["stage"], stage.get("wall_s", ""), stage.get("load_avg", ""), stage.get("finished", "")]
            for stage in stages]
    return rows, sum(int(stage.get("wall_s", 0)) for stage in stages)


def read_profile(study):
    """Return the profile name and the model line of the study's profile.txt."""
    path = os.path.join(study, "profile.txt")
    name = "unknown"
    if os.path.isfile(path):
        with open(path, encoding="utf-8") as file:
            for line in file:
                if line.startswith("profile: "):
                    name = line.split(":", 1)[1].strip()
    return name


def surface_sentences(study):
    """Return the number of validation sentences of the base run's global surface, or None if unknown."""
    path = os.path.join(study, "landscape", "base-global.csv.json")
    try:
        with open(path, encoding="utf-8") as file:
            return json.load(file)["evaluation_set"]["pairs"]
    except (OSError, ValueError, KeyError, TypeError):
        return None


def figure_link(study, name, caption):
    """Return a Markdown image line for figures/NAME, or a note that the figure is missing."""
    if not os.path.isfile(os.path.join(study, "figures", name)):
        raise StudyError(f"figure '{os.path.join(study, 'figures', name)}' not found; run "
                         f"'study_report.py figures {study}' first")
    return f"![{caption}](figures/{name})"


def write_report(study):
    """Write STUDY/report.md from the study's CSV files and figures."""
    models = find_models(study)
    profile = read_profile(study)
    with open(os.path.join(study, "base", "run.json"), encoding="utf-8") as file:
        run_info = json.load(file)
    stages, total_s = stage_rows(study)
    tolerance = f"{100 * CONVERGENCE_TOLERANCE:g}%"

    sections = [
        f"# tlt study, profile {profile}",
        f"Written by scripts/study_report.py on {datetime.datetime.now():%Y-%m-%d %H:%M}. The settings are in "
        f"profile.txt, each run's resolved config in its config.yaml. tlt {run_info.get('tlt_version', '?')} "
        f"(git {run_info.get('git_revision', '?')}), LibTorch {run_info.get('libtorch_version', '?')}, "
        f"{run_info.get('threads', '?')} threads of {run_info.get('hardware_threads', '?')}.",
        "## Training",
        f"The base run and the pruned networks, each retrained from the base run's recorded init w0 (rewind) or "
        f"from a new random init (random) with the pruning mask. Losses are the validation cross-entropy per "
        f"token, in nats; accuracy is the token accuracy. The convergence epoch is the first epoch whose "
        f"validation loss is within {tolerance} of the run's lowest one.",
        markdown_table(["model", "sparsity", "convergence epoch", "best epoch", "best valid loss",
                        "best valid acc", "final valid loss", "final valid acc", "train time (s)"],
                       training_rows(study, models)),
        figure_link(study, "training.png", "training curves"),
    ]
    if len(models) > 1:
        sections += ["Share of pruned weights per tensor (one global magnitude threshold):",
                     figure_link(study, "sparsity.png", "sparsity per tensor")]

    sentences = surface_sentences(study)
    evaluated_on = ("the same sentences," if sentences is None else
                    f"the same {sentences} sentences, the first of the validation split (so a centre loss "
                    "differs from the training table's validation loss, which covers the run's whole validation "
                    "set),")
    sections += [
        "## Loss landscapes",
        f"Every surface is the validation loss on {evaluated_on} around the model's best checkpoint, along "
        "the same two random directions, filter-normalised against the base run's weights (Li et al., "
        "\"Visualizing the Loss Landscape of Neural Nets\", NeurIPS 2018). For a pruned network the directions "
        "are masked, so they move only its remaining weights. The panels of a figure share one colour scale, "
        "and the star marks each surface's lowest point. The global view's scale ends at "
        f"{SURFACE_LOSS_CAP:g} times the lowest loss of the figure. The local view draws each surface minus its "
        "centre loss (the tables give the centre), so that surfaces at different levels show on one scale how "
        "fast the loss rises around each model.",
    ]
    for view, caption in (("global", "Global view"), ("local", "Local view")):
        sections += [f"### {caption}",
                     markdown_table(["model", "centre loss", "centre acc", "lowest loss", "at (x, y)",
                                     "highest loss", "points"], landscape_rows(study, models, view)),
                     figure_link(study, f"landscape-{view}.png", f"{caption.lower()} of every model")]
    sections += [figure_link(study, "landscape-base-3d.png", "base run, global view in 3-D"),
                 "### During training",
                 "The base run's surface around w0 and around the weights after each epoch, along the same "
                 "directions (local scale), each minus its centre loss as in the local view. The figure shows at "
                 f"most {MAX_SERIES_PANELS} checkpoints, w0 and the last epoch included; the animation has every "
                 "one: [landscape-epochs.gif](figures/landscape-epochs.gif).",
                 figure_link(study, "landscape-epochs.png", "surfaces during training")]

    sections += [
        "## Optimizers on the synth-attn task",
        f"One attention block learns the labels of a fixed random teacher (configs/synth-attn.yaml) under six "
        f"optimizer settings. The convergence epoch uses the same {tolerance} rule; the threshold epoch is the "
        f"first one whose validation loss is below the config's train.valid_loss_threshold.",
        markdown_table(["setting", "convergence epoch", "threshold epoch", "best valid loss", "best valid acc",
                        "time (s)"], synth_rows(study)),
        figure_link(study, "synth.png", "synth-attn optimizer comparison"),
        "## Stages",
        f"Wall time of each stage when it completed, with the 1-minute load average at its end; {total_s} s in "
        f"all. Skipped stages keep the time of the run that completed them.",
        markdown_table(["stage", "wall time (s)", "load average", "finished"], stages),
    ]

    text = "\n\n".join(sections) + "\n"
    path = os.path.join(study, "report.md")
    temporary = f"{path}.tmp.{os.getpid()}"
    with open(temporary, "w", encoding="utf-8") as file:
        file.write(text)
    os.replace(temporary, path)
    print(f"[study] wrote {path}", file=sys.stderr)


def main():
    parser = argparse.ArgumentParser(description="Figures and report.md of a scripts/study.sh study folder.")
    parser.add_argument("action", choices=["figures", "report"], help="draw the figures, or write report.md")
    parser.add_argument("study", help="study folder, for example runs/study-quick")
    arguments = parser.parse_args()
    study = os.path.abspath(arguments.study)
    try:
        if arguments.action == "figures":
            draw_figures(study)
        else:
            write_report(study)
    except StudyError as error:
        print(f"study_report.py: error: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
