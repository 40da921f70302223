"""Training runs, synth-attn study folders and pruning sparsity tables, as tlt writes them.

A training run folder RUN/ contains train.csv (epoch,step,loss,ppl,acc,lr,tokens,wall_s,tok_per_s) and
valid.csv (epoch,loss,ppl,acc,lr_reduced,wall_s, then bleu in newer runs, empty where not computed). lr_reduced is 1 when
ReduceLROnPlateau lowered the learning rate after that epoch.

A synth-attn study folder contains one <setting>.csv per optimizer setting
(epoch,train_loss,train_acc,valid_loss,valid_acc,lr,lr_reduced, from epoch 0 = the initial weights)
and summary.csv. `tlt prune` writes sparsity.csv (name,numel,pruned,sparsity) with a "total" row.
"""

import dataclasses
import os

import numpy as np

from tltplot.tables import PlotError, read_header, read_table

# The settings of a synth-attn study in the study's own order.
SYNTH_SETTINGS = ("sgd", "sgd+plateau", "nag", "nag+plateau", "adam", "adam+plateau")
SYNTH_COLUMNS = ["epoch", "train_loss", "train_acc", "valid_loss", "valid_acc", "lr", "lr_reduced"]


@dataclasses.dataclass
class Curve:
    """A metric against epoch, sorted by epoch."""

    epochs: np.ndarray  # [n]
    values: np.ndarray  # [n]


@dataclasses.dataclass
class RunSeries:
    """The curves of one training run or one synth-attn setting; a curve is None where the files lack it."""

    label: str
    train_loss: Curve = None
    train_acc: Curve = None
    valid_loss: Curve = None
    valid_acc: Curve = None
    lr: Curve = None
    bleu: Curve = None
    # How lr is drawn against epoch: "steps-post" where the value is the lr after the epoch (train.csv,
    # written after ReduceLROnPlateau's step), "steps-pre" where it is the lr used during the epoch.
    lr_drawstyle: str = "steps-post"
    reductions: np.ndarray = dataclasses.field(default_factory=lambda: np.zeros(0))  # epochs after which lr fell


def read_runs(path):
    """Return the series in a training run folder, a synth-attn folder or a single <setting>.csv.

    A run folder gives one series labelled with the folder name, a synth-attn folder one per setting
    labelled with the setting name. Raise PlotError for any other path.
    """
    expected = ("expected a training run folder (train.csv, valid.csv), a synth-attn study folder "
                "(<setting>.csv files) or one <setting>.csv")
    if os.path.isfile(path):
        if is_synth_table(path):
            return [read_synth_setting(path, os.path.basename(path)[:-4])]
        raise PlotError(f"'{path}' is a file with the header '{','.join(read_header(path) or [])}'; {expected}")
    if not os.path.isdir(path):
        raise PlotError(f"'{path}' not found; {expected}")

    train_path, valid_path = os.path.join(path, "train.csv"), os.path.join(path, "valid.csv")
    if os.path.exists(train_path) or os.path.exists(valid_path):
        return [read_training_run(path)]
    settings = find_synth_settings(path)
    if settings:
        return [read_synth_setting(setting_path, name) for name, setting_path in settings]
    raise PlotError(f"'{path}' contains neither train.csv nor valid.csv nor any <setting>.csv; {expected}")


def read_training_run(folder):
    """Read RUN/train.csv and RUN/valid.csv; a run may lack one of them, for example while it starts."""
    series = RunSeries(label=os.path.basename(os.path.normpath(folder)))
    train_path, valid_path = os.path.join(folder, "train.csv"), os.path.join(folder, "valid.csv")
    if os.path.exists(train_path):
        train = read_table(train_path, ["epoch", "loss", "acc", "lr"]).sort_values("epoch")
        series.train_loss = make_curve(train, "loss")
        series.train_acc = make_curve(train, "acc")
        series.lr = make_curve(train, "lr")
    if os.path.exists(valid_path):
        valid = read_table(valid_path, ["epoch", "loss", "acc", "lr_reduced"], optional_columns=["bleu"])
        valid = valid.sort_values("epoch")
        series.valid_loss = make_curve(valid, "loss")
        series.valid_acc = make_curve(valid, "acc")
        # tlt train writes the bleu column always, empty except in the epochs that train.bleu_every selects.
        if "bleu" in valid.columns:
            scored = valid[np.isfinite(valid["bleu"].astype(float).to_numpy())]
            if len(scored):
                series.bleu = make_curve(scored, "bleu")
        series.reductions = reduction_epochs(valid)
    return series


def read_synth_setting(path, label):
    """Read one <setting>.csv of a synth-attn study."""
    table = read_table(path, SYNTH_COLUMNS).sort_values("epoch")
    return RunSeries(label=label, train_loss=make_curve(table, "train_loss"), train_acc=make_curve(table, "train_acc"),
                     valid_loss=make_curve(table, "valid_loss"), valid_acc=make_curve(table, "valid_acc"),
                     lr=make_curve(table, "lr"), lr_drawstyle="steps-pre", reductions=reduction_epochs(table))


def make_curve(table, column):
    return Curve(epochs=table["epoch"].to_numpy(), values=table[column].to_numpy())


def reduction_epochs(table):
    flags = table["lr_reduced"].to_numpy()
    return table["epoch"].to_numpy()[np.nan_to_num(flags) != 0]


def is_synth_table(path):
    header = read_header(path)
    return header is not None and all(name in header for name in SYNTH_COLUMNS)


def find_synth_settings(folder):
    """Return (setting, path) for every <setting>.csv in a folder, in the study's order, then by name."""
    found = []
    for name in sorted(os.listdir(folder)):
        path = os.path.join(folder, name)
        if name.endswith(".csv") and name != "summary.csv" and os.path.isfile(path) and is_synth_table(path):
            found.append((name[:-4], path))

    def study_order(item):
        setting = item[0]
        return (SYNTH_SETTINGS.index(setting), "") if setting in SYNTH_SETTINGS else (len(SYNTH_SETTINGS), setting)

    return sorted(found, key=study_order)


@dataclasses.dataclass
class SparsityTable:
    """Per-tensor sparsity of one sparsity.csv, in file order."""

    path: str
    names: list  # tensor names
    sparsity: np.ndarray  # [n] share of pruned entries per tensor, in [0, 1]
    total: float  # sparsity of the "total" row, or nan if the file has none


def read_sparsity(path):
    table = read_table(path, ["numel", "pruned", "sparsity"], text_columns=["name"])
    names = table["name"].astype(str).str.strip()
    is_total = names == "total"
    total = float(table["sparsity"][is_total].iloc[0]) if is_total.any() else float("nan")
    return SparsityTable(path=path, names=list(names[~is_total]), sparsity=table["sparsity"][~is_total].to_numpy(),
                         total=total)
