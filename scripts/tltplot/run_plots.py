"""The training, synth and sparsity subcommands."""

import os

import matplotlib.lines
import matplotlib.pyplot as plt
import numpy as np

from tltplot.figures import new_figure, save_figure
from tltplot.runs import SYNTH_SETTINGS, read_runs, read_sparsity
from tltplot.surfaces import check_labels
from tltplot.tables import PlotError

TRAIN_STYLE = {"linestyle": "--", "linewidth": 1.2}
VALID_STYLE = {"linestyle": "-", "linewidth": 1.6}
REDUCTION_STYLE = {"linestyle": ":", "linewidth": 1.0, "alpha": 0.8}


def draw_curve(axes, curve, colour, style, **extra):
    if curve is not None:
        axes.plot(curve.epochs, curve.values, color=colour, **style, **extra)


def mark_reductions(all_axes, series, colour):
    """Draw a dotted vertical line at each epoch after which the learning rate was reduced."""
    for axes in all_axes:
        for epoch in series.reductions:
            axes.axvline(epoch, color=colour, **REDUCTION_STYLE)


def set_lr_scale(axes, all_series):
    """Use a logarithmic learning-rate axis, where reductions by a factor are even steps, if every lr is positive."""
    values = np.concatenate([series.lr.values for series in all_series if series.lr is not None] or [np.zeros(0)])
    values = values[np.isfinite(values)]
    if values.size and (values > 0).all():
        axes.set_yscale("log")


def style_key(has_train, has_valid, has_reductions):
    """Legend entries for the line styles, drawn in black because the colours name the runs."""
    handles = []
    if has_train:
        handles.append(matplotlib.lines.Line2D([], [], color="black", label="train", **TRAIN_STYLE))
    if has_valid:
        handles.append(matplotlib.lines.Line2D([], [], color="black", label="valid", **VALID_STYLE))
    if has_reductions:
        handles.append(matplotlib.lines.Line2D([], [], color="black", label="lr reduced after epoch",
                                               **REDUCTION_STYLE))
    return handles


def read_all_runs(paths):
    """Read every path with read_runs; with several paths, a setting's label gets its folder's name."""
    all_series = []
    for path in paths:
        found = read_runs(path)
        folder = os.path.basename(os.path.normpath(path))
        for series in found:
            if len(paths) > 1 and os.path.isdir(path) and series.label != folder:
                series.label = f"{folder}/{series.label}"
        all_series.extend(found)
    return all_series


def plot_training(options):
    """Draw loss, accuracy, learning rate and, where valid.csv has it, BLEU against epoch.

    Training curves are dashed and validation curves solid.
    """
    all_series = read_all_runs(options.runs)
    labels = check_labels(options.labels, len(all_series), "curve")
    if labels:
        for series, label in zip(all_series, labels):
            series.label = label

    panels = [("loss", "train_loss", "valid_loss"), ("accuracy", "train_acc", "valid_acc"),
              ("learning rate", "lr", None)]
    if any(series.bleu is not None for series in all_series):
        panels.append(("BLEU", None, "bleu"))
    figure = new_figure(options, default_size=(4.2 * len(panels), 3.9))
    all_axes = figure.subplots(1, len(panels), squeeze=False)[0]
    colours = plt.rcParams["axes.prop_cycle"].by_key()["color"]

    for index, series in enumerate(all_series):
        colour = colours[index % len(colours)]
        for axes, (_, train_name, valid_name) in zip(all_axes[:2], panels[:2]):
            draw_curve(axes, getattr(series, train_name), colour, TRAIN_STYLE)
            draw_curve(axes, getattr(series, valid_name), colour, VALID_STYLE)
        # The learning rate has no train or valid variant, so it is drawn solid.
        draw_curve(all_axes[2], series.lr, colour, VALID_STYLE, drawstyle=series.lr_drawstyle)
        if len(panels) > 3:
            draw_curve(all_axes[3], series.bleu, colour, VALID_STYLE)
        mark_reductions(all_axes, series, colour)

    for axes, (name, _, _) in zip(all_axes, panels):
        axes.set_xlabel("epoch")
        axes.set_ylabel(name if name != "loss" else "loss (cross-entropy, nats)")
        axes.grid(True, alpha=0.3)
    if options.log:
        all_axes[0].set_yscale("log")
    set_lr_scale(all_axes[2], all_series)

    run_handles = [matplotlib.lines.Line2D([], [], color=colours[i % len(colours)], label=series.label, **VALID_STYLE)
                   for i, series in enumerate(all_series)]
    has_train = any(series.train_loss is not None for series in all_series)
    has_valid = any(series.valid_loss is not None for series in all_series)
    has_reductions = any(len(series.reductions) for series in all_series)
    all_axes[0].legend(handles=run_handles + style_key(has_train, has_valid, has_reductions), fontsize="small")
    save_figure(figure, options.out)


def setting_style(label, family_colours):
    """Colour by optimizer family (the part before "+") and a dashed line for the +plateau settings."""
    family = label.split("+")[0]
    if family not in family_colours:
        colours = plt.rcParams["axes.prop_cycle"].by_key()["color"]
        family_colours[family] = colours[len(family_colours) % len(colours)]
    return family_colours[family], ("--" if label.endswith("+plateau") else "-")


def plot_synth(options):
    """Draw validation loss, validation accuracy and learning rate of every setting of a synth-attn study."""
    folder = options.folder
    is_run = any(os.path.exists(os.path.join(folder, name)) for name in ("train.csv", "valid.csv"))
    if os.path.isfile(folder) or is_run:
        raise PlotError(f"'{folder}' is not a synth-attn study folder (<setting>.csv files); plot training runs "
                        f"and single settings with the training subcommand")
    all_series = read_runs(folder)
    labels = check_labels(options.labels, len(all_series), "setting")
    if labels:
        for series, label in zip(all_series, labels):
            series.label = label

    figure = new_figure(options, default_size=(12.6, 3.9))
    all_axes = figure.subplots(1, 3, squeeze=False)[0]
    # Fixed family colours keep sgd, nag and adam in the same colour across figures of several studies.
    family_colours = {}
    for family in SYNTH_SETTINGS[::2]:
        setting_style(family, family_colours)

    handles = []
    for series in all_series:
        colour, linestyle = setting_style(series.label, family_colours)
        style = {"linestyle": linestyle, "linewidth": 1.6}
        curves = [(series.valid_loss, series.train_loss), (series.valid_acc, series.train_acc)]
        for axes, (valid, train) in zip(all_axes, curves):
            draw_curve(axes, valid, colour, style)
            if options.train:
                draw_curve(axes, train, colour, {"linestyle": linestyle, "linewidth": 1.0, "alpha": 0.4})
        draw_curve(all_axes[2], series.lr, colour, style, drawstyle=series.lr_drawstyle)
        mark_reductions(all_axes, series, colour)
        handles.append(matplotlib.lines.Line2D([], [], color=colour, label=series.label, **style))

    names = ["validation loss (cross-entropy, nats)", "validation accuracy", "learning rate"]
    for axes, name in zip(all_axes, names):
        axes.set_xlabel("epoch")
        axes.set_ylabel(name)
        axes.grid(True, alpha=0.3)
    if options.log:
        all_axes[0].set_yscale("log")
    set_lr_scale(all_axes[2], all_series)
    if not options.title:
        figure.suptitle(os.path.basename(os.path.normpath(folder)))
    if options.train:
        handles.append(matplotlib.lines.Line2D([], [], color="black", alpha=0.4, label="train (faint)"))
    if any(len(series.reductions) for series in all_series):
        handles.append(matplotlib.lines.Line2D([], [], color="black", label="lr reduced after epoch",
                                               **REDUCTION_STYLE))
    all_axes[0].legend(handles=handles, fontsize="small")
    save_figure(figure, options.out)


def plot_sparsity(options):
    """Draw the share of pruned weights per tensor as horizontal bars, one colour per file, with each total dashed."""
    tables = [read_sparsity(path) for path in options.files]
    labels = check_labels(options.labels, len(tables), "file")
    if not labels:
        labels = [os.path.basename(os.path.dirname(os.path.abspath(path))) for path in options.files]

    names = []
    for table in tables:
        names.extend(name for name in table.names if name not in names)
    if not names:
        files = ", ".join(f"'{path}'" for path in options.files)
        raise PlotError(f"{files} contain only a total row; expected one row per masked tensor before it")

    figure = new_figure(options, default_size=(7.5, 1.6 + 0.24 * len(names) * max(1, len(tables) / 2)))
    axes = figure.add_subplot(1, 1, 1)
    colours = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    positions = np.arange(len(names))
    height = 0.8 / len(tables)
    for index, (table, label) in enumerate(zip(tables, labels)):
        colour = colours[index % len(colours)]
        by_name = dict(zip(table.names, table.sparsity))
        values = np.array([by_name.get(name, np.nan) for name in names])
        axes.barh(positions + (index - (len(tables) - 1) / 2) * height, 100 * values, height=height, color=colour,
                  label=label)
        if np.isfinite(table.total):
            axes.axvline(100 * table.total, color=colour, linestyle="--", linewidth=1.2,
                         label=f"{label}: total {100 * table.total:.1f}%")
    axes.set_yticks(positions, names, fontsize="small")
    axes.invert_yaxis()
    axes.set_xlim(0, 100)
    axes.set_xlabel("pruned weights (%)")
    axes.grid(True, axis="x", alpha=0.3)
    # Above the bars, because inside the axes the legend covers the first tensors' bars.
    axes.legend(fontsize="small", loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=2)
    save_figure(figure, options.out)
