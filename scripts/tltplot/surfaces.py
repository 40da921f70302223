"""Loss surfaces written by `tlt landscape`: one CSV row per grid point and a JSON sidecar.

The CSV columns are ix,iy,x,y,loss,ppl,acc. ix and iy count grid points from 0 along each direction,
and x and y are the coordinates used, so x depends only on ix and y only on iy. A 1-D surface has iy = 0
in every row and y = 0 or an empty y. Values may be nan or inf where the evaluation diverged. The sidecar
FILE.csv.json describes the directions, grid, scale, model and checkpoint. The tables of `tlt landscape
sweep` share the sidecar sweep.json in their folder.
"""

import dataclasses
import json
import os
import re

import numpy as np

from tltplot.tables import PlotError, read_table, warn

METRICS = ("loss", "ppl", "acc")

# Colour bar and axis labels of each metric. Losses are mean cross-entropy in nats, per target token for the
# Transformer and per sample for the synth-attn learner.
METRIC_LABELS = {"loss": "loss (cross-entropy, nats)", "ppl": "perplexity", "acc": "accuracy"}


@dataclasses.dataclass
class Surface:
    """One surface read from a CSV file."""

    path: str
    metric: str
    x: np.ndarray  # [nx] coordinates along the x direction, in ix order
    y: np.ndarray  # [ny] coordinates along the y direction in iy order; [1] of 0 for a 1-D surface
    values: np.ma.MaskedArray  # [ny, nx] metric per grid point; nan and inf are masked
    metadata: dict  # the sidecar's JSON object, or {} without a readable sidecar
    missing_count: int = 0  # grid points absent from the file (masked in values)
    relative: bool = False  # values are differences from the value at the centre, (0, 0)

    @property
    def is_2d(self):
        return len(self.y) > 1

    @property
    def shape_text(self):
        return f"{len(self.x)}x{len(self.y)}" if self.is_2d else f"{len(self.x)} points"

    @property
    def masked_count(self):
        return int(np.ma.count_masked(self.values))

    def not_plotted_note(self):
        """Return a note such as "3 of 121 points not plotted", or "" if every point is plotted."""
        if not self.masked_count:
            return ""
        note = f"{self.masked_count} of {self.values.size} points not plotted"
        if self.missing_count:
            note += f" ({self.missing_count} missing from the file)"
        return note

    @property
    def value_label(self):
        """Return the label of the plotted values: the metric's, or its difference from the centre."""
        label = METRIC_LABELS[self.metric]
        return f"{label}, minus its value at (0, 0)" if self.relative else label

    def axis_label(self, axis):
        """Return the label of the x or y axis, from the sidecar's direction entry where it has one."""
        return describe_direction(self.metadata, axis)


# tlt writes the perplexity as exp(min(loss, 100)), so a perplexity from a loss of 100 or more is a cap and
# one from a non-finite loss is not a measurement.
PERPLEXITY_LOSS_CAP = 100.0


def read_surface(path, metric, allow_missing=False):
    """Read a surface CSV, or the OUT.partial file of an unfinished `tlt landscape` run, and its sidecar.

    Non-finite values are masked, and so are perplexities whose loss is not finite or reaches the cap.
    Raise PlotError for a file that is not a grid. A grid point missing from the file is an error unless
    allow_missing (always on for .partial files), which masks it. The grid then spans the sidecar's grid
    where the sidecar has one.
    """
    allow_missing = allow_missing or path.endswith(".partial")
    frame = read_table(path, ["ix", "iy", "x", metric], optional_columns=["y", "loss"])
    if "y" not in frame.columns:
        frame["y"] = np.nan
    metadata = read_sidecar(path)

    ix = grid_indices(frame["ix"], path, "ix")
    iy = grid_indices(frame["iy"], path, "iy")
    sidecar_x, sidecar_y = sidecar_axis(metadata, "x"), sidecar_axis(metadata, "y")
    nx = max(int(ix.max()) + 1, 0 if sidecar_x is None else len(sidecar_x))
    ny = max(int(iy.max()) + 1, 0 if sidecar_y is None else len(sidecar_y))
    present = find_grid_points(ix, iy, nx, ny, path, allow_missing)

    def scatter(column):
        grid = np.full((ny, nx), np.nan)
        grid[iy, ix] = frame[column].to_numpy()
        return grid

    values = scatter(metric)
    if metric == "ppl" and "loss" in frame.columns:
        loss = scatter("loss")
        values[~(np.isfinite(loss) & (loss < PERPLEXITY_LOSS_CAP))] = np.nan
    x = axis_coordinates(scatter("x"), present, path, "x", "ix", sidecar_x)
    y = axis_coordinates(scatter("y").T, present.T, path, "y", "iy", sidecar_y) if ny > 1 else np.zeros(1)

    return Surface(path=path, metric=metric, x=x, y=y, values=np.ma.masked_invalid(values), metadata=metadata,
                   missing_count=int((~present).sum()))


def check_relative(options):
    """Return options.relative, raising PlotError where --log is given as well."""
    if options.relative and options.log:
        raise PlotError("--relative and --log cannot be combined: the differences from the centre include 0 and "
                        "negative values; drop one of them")
    return options.relative


def subtract_centre(surfaces):
    """Subtract from each surface its value at the grid point nearest (0, 0), the model's own weights.

    Surfaces at different levels (the models of a study, the epochs of a run) then share one scale that
    shows how fast each value changes away from its centre. Raise PlotError where that value is not finite.
    """
    for surface in surfaces:
        ix, iy = int(np.argmin(np.abs(surface.x))), int(np.argmin(np.abs(surface.y)))
        centre = surface.values[iy, ix]
        if np.ma.is_masked(centre):
            raise PlotError(f"'{surface.path}' has no finite {surface.metric} at its centre point "
                            f"({surface.x[ix]:g}, {surface.y[iy]:g}), which --relative subtracts; plot it without "
                            f"--relative")
        surface.values = surface.values - centre
        surface.relative = True


def grid_indices(column, path, name):
    """Return an ix or iy column as integers, raising PlotError for a negative or fractional index."""
    values = column.to_numpy()
    invalid = ~np.isfinite(values) | (values < 0) | (values != np.round(values))
    if invalid.any():
        row = int(invalid.argmax())
        raise PlotError(f"'{path}' data row {row + 1}: {name} is '{column.iloc[row]}', expected a grid index "
                        f"0, 1, 2, ...")
    return values.astype(np.int64)


def find_grid_points(ix, iy, nx, ny, path, allow_missing):
    """Return a [ny, nx] mask that is true at the grid points in the file.

    Raise PlotError if a point occurs twice, or if one is missing and allow_missing is false.
    """
    counts = np.zeros((ny, nx), dtype=np.int64)
    np.add.at(counts, (iy, ix), 1)
    if (counts > 1).any():
        row, column = np.argwhere(counts > 1)[0]
        raise PlotError(f"'{path}' is not a rectangular grid: the point (ix, iy) = ({column}, {row}) occurs "
                        f"{counts[row, column]} times")
    if (counts == 0).any() and not allow_missing:
        row, column = np.argwhere(counts == 0)[0]
        raise PlotError(f"'{path}' is not a rectangular grid: it has {len(ix)} points, but ix 0..{nx - 1} and "
                        f"iy 0..{ny - 1} need {nx * ny}; the point (ix, iy) = ({column}, {row}) is missing. For a "
                        f"sweep in progress, pass --allow-missing to leave the missing points out")
    return counts == 1


def axis_coordinates(grid, present, path, name, index_name, sidecar_coordinates):
    """Return the coordinates along one axis from a [other, count] grid of them.

    An index without any point in the file takes its coordinate from the sidecar's grid, else from a line
    through the known coordinates, since tlt's axes are evenly spaced. Raise PlotError if a coordinate
    of a point is not finite, varies along the other axis or is not strictly monotonic in the index.
    """
    if not np.isfinite(grid[present]).all():
        raise PlotError(f"'{path}' has a missing or non-finite {name} coordinate; every grid point needs one")
    count = grid.shape[1]
    known = present.any(axis=0)
    coordinates = np.full(count, np.nan)
    tolerance = 1e-6 * max(1.0, float(np.abs(grid[present]).max()))
    for index in np.flatnonzero(known):
        column = grid[present[:, index], index]
        if column.max() - column.min() > tolerance:
            raise PlotError(f"'{path}' is not a rectangular grid: {name} differs between points with {index_name} = "
                            f"{index} ({column.min():g} to {column.max():g})")
        coordinates[index] = column[0]

    if not known.all():
        if sidecar_coordinates is not None and len(sidecar_coordinates) == count:
            coordinates[~known] = sidecar_coordinates[~known]
        elif known.sum() >= 2:
            indices = np.arange(count)
            slope, intercept = np.polyfit(indices[known], coordinates[known], 1)
            coordinates[~known] = slope * indices[~known] + intercept
        else:
            missing = int(np.flatnonzero(~known)[0])
            raise PlotError(f"'{path}' has no point with {index_name} = {missing}, so its {name} coordinate is "
                            f"unknown; plot it once more points are computed")

    steps = np.diff(coordinates)
    if len(steps) and not ((steps > 0).all() or (steps < 0).all()):
        raise PlotError(f"'{path}' is not a rectangular grid: {name} is not strictly increasing or decreasing "
                        f"with {index_name}")
    return coordinates


def sidecar_axis(metadata, axis):
    """Return the coordinates of one axis of the sidecar's grid, or None if it has none.

    `tlt landscape` writes "grid": {"x": {"min", "max", "points"}, "y": ... or null, "scale"}, and the
    coordinates are scale * (min + i * (max - min) / (points - 1)).
    """
    grid = metadata.get("grid")
    entry = grid.get(axis) if isinstance(grid, dict) else None
    if not isinstance(entry, dict):
        return None
    low, high, points, scale = entry.get("min"), entry.get("max"), entry.get("points"), grid.get("scale", 1.0)
    if not all(is_number(value) for value in (low, high, points, scale)) or points < 1 or points != int(points):
        return None
    if points == 1:
        return np.array([scale * low])
    return scale * (low + np.arange(int(points)) * (high - low) / (points - 1))


def is_number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def read_sidecar(path):
    """Return the JSON object of FILE.csv.json, or {} with a warning if it is missing or unreadable.

    The tables of `tlt landscape sweep` share one sidecar, sweep.json in their folder.
    """
    sidecar = path + ".json"
    if not os.path.exists(sidecar) and re.fullmatch(r"sweep_epoch_\d+\.csv", os.path.basename(path)):
        sidecar = os.path.join(os.path.dirname(path), "sweep.json")
    if not os.path.exists(sidecar):
        return {}
    try:
        with open(sidecar, encoding="utf-8") as file:
            metadata = json.load(file)
    except (OSError, ValueError) as error:
        warn(f"ignoring the sidecar '{sidecar}' because it cannot be read as JSON: {error}")
        return {}
    if not isinstance(metadata, dict):
        warn(f"ignoring the sidecar '{sidecar}' because it is not a JSON object")
        return {}
    return metadata


def describe_direction(metadata, axis):
    """Return an axis label such as "x (random, filter, seed 0)" from the sidecar's direction entry.

    `tlt landscape` writes "directions": {"x": ENTRY, "y": ENTRY or null}, where ENTRY has a "kind"
    (random, target, pca or file) and the details of that kind.
    """
    directions = metadata.get("directions")
    entry = directions.get(axis) if isinstance(directions, dict) else None
    if not isinstance(entry, dict) or not isinstance(entry.get("kind"), str):
        return axis

    kind = entry["kind"]
    details = [kind]
    if kind == "random":
        if isinstance(entry.get("normalization"), str):
            details.append(entry["normalization"])
        if is_number(entry.get("seed")):
            details.append(f"seed {entry['seed']}")
    elif kind == "target" and isinstance(entry.get("from"), str) and isinstance(entry.get("to"), str):
        details.append(f"{os.path.basename(entry['from'])} to {os.path.basename(entry['to'])}")
    elif kind == "pca":
        if is_number(entry.get("component")):
            details = [f"PCA component {entry['component']}"]
        if is_number(entry.get("explained_variance_ratio")):
            details.append(f"{100 * entry['explained_variance_ratio']:.1f}% of variance")
    elif kind == "file" and isinstance(entry.get("file"), str):
        details = [f"file {os.path.basename(entry['file'])}"]
    return f"{axis} ({', '.join(details)})"


def pca_trajectory(metadata):
    """Return the checkpoints' coordinates [n, 2] and names from the sidecar of a PCA surface, or None.

    The coordinates are (checkpoint - final weights) projected on the two unit-norm components, which are
    the surface's own x and y coordinates when both axes are the PCA components (Li et al. 2018,
    section 6).
    """
    directions, pca = metadata.get("directions"), metadata.get("pca")
    if not isinstance(directions, dict) or not isinstance(pca, dict):
        return None
    kinds = [entry.get("kind") if isinstance(entry, dict) else None for entry in
             (directions.get("x"), directions.get("y"))]
    trajectory = pca.get("trajectory")
    if kinds != ["pca", "pca"] or not isinstance(trajectory, list):
        return None
    points = [point for point in trajectory
              if isinstance(point, dict) and is_number(point.get("x")) and is_number(point.get("y"))]
    if not points:
        return None
    coordinates = np.array([[point["x"], point["y"]] for point in points], dtype=float)
    names = [os.path.splitext(os.path.basename(str(point.get("checkpoint", ""))))[0] for point in points]
    return coordinates, names


def frame_label(surface):
    """Return a short frame title: "epoch 3" for sweep_epoch_003.csv, else the checkpoint or file name."""
    stem = os.path.splitext(os.path.basename(surface.path))[0]
    match = re.fullmatch(r"sweep_epoch_0*(\d+)", stem)
    if match:
        return f"epoch {match.group(1)}"
    checkpoint = surface.metadata.get("checkpoint")
    if isinstance(checkpoint, str) and checkpoint:
        return f"{stem}: {os.path.basename(checkpoint)}"
    return stem


def file_label(path):
    """Return a legend label for a file: its name without the .csv extension."""
    name = os.path.basename(path)
    return name[:-4] if name.endswith(".csv") else name


def check_labels(labels, count, noun):
    """Return labels if there is one per item, else raise PlotError naming the expected count."""
    if labels is not None and len(labels) != count:
        raise PlotError(f"--labels has {len(labels)} labels for {count} {noun}s; give one label per {noun}")
    return labels
