"""Figure size, shared colour scales and atomic saving, common to every subcommand."""

import dataclasses
import math
import os
import re

import matplotlib
import matplotlib.colors
import matplotlib.pyplot as plt
import matplotlib.ticker
import numpy as np

from tltplot.tables import PlotError, warn

# Output formats by file extension; matplotlib picks the writer from the format name.
IMAGE_FORMATS = {".png": "png", ".pdf": "pdf", ".svg": "svg"}
ANIMATION_FORMATS = (".gif", ".mp4")


def parse_size(text):
    """Parse --size WIDTHxHEIGHT in inches, for example "6x4" or "6.5x4.2"."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d*)?|\.\d+)\s*[xX]\s*(\d+(?:\.\d*)?|\.\d+)\s*", text)
    if not match or float(match.group(1)) <= 0 or float(match.group(2)) <= 0:
        raise PlotError(f"--size '{text}' is invalid; expected WIDTHxHEIGHT in inches, both positive, for example 6x4")
    return float(match.group(1)), float(match.group(2))


def output_extension(path, allowed):
    """Return the lower-case extension of an output path, raising PlotError if it is not in allowed."""
    extension = os.path.splitext(path)[1].lower()
    if extension not in allowed:
        raise PlotError(f"--out '{path}' has the extension '{extension}'; the format is taken from the extension, "
                        f"so use one of {', '.join(allowed)}")
    return extension


def new_figure(options, default_size):
    """Create a figure of --size, a (width, height) in inches, or default_size, at --dpi, titled --title."""
    size = options.size or default_size
    figure = plt.figure(figsize=size, dpi=options.dpi, layout="constrained")
    if options.title:
        figure.suptitle(options.title)
    return figure


def panel_layout(count, columns):
    """Return (rows, columns) for count panels, at most `columns` per row."""
    columns = max(1, min(count, columns))
    return math.ceil(count / columns), columns


def temporary_path(path):
    """Return a path beside `path` that keeps its extension, since some writers choose the format by it."""
    folder, name = os.path.split(path)
    stem, extension = os.path.splitext(name)
    return os.path.join(folder, f".{stem}.{os.getpid()}.tmp{extension}")


def save_atomically(path, write):
    """Call write(temporary_path) and rename the result to path, so a reader never sees a partial file."""
    folder = os.path.dirname(path)
    temporary = temporary_path(path)
    try:
        if folder:
            os.makedirs(folder, exist_ok=True)
        write(temporary)
        os.replace(temporary, path)
    except OSError as error:
        raise PlotError(f"cannot write '{path}': {error.strerror or error}") from None
    finally:
        if os.path.exists(temporary):
            os.remove(temporary)


def save_figure(figure, path):
    extension = output_extension(path, IMAGE_FORMATS)
    save_atomically(path, lambda temporary: figure.savefig(temporary, format=IMAGE_FORMATS[extension],
                                                           dpi=figure.dpi))
    plt.close(figure)


@dataclasses.dataclass
class ColourScale:
    """Value range, contour levels and colour normalisation shared by the panels or frames it was made from."""

    low: float
    high: float
    levels: np.ndarray  # [n] increasing contour levels within [low, high]
    norm: matplotlib.colors.Normalize
    log: bool

    def format_level(self, value):
        return f"{value:.3g}" if self.log else f"{value:.4g}"


def mask_non_positive(surfaces):
    """Mask values <= 0 for a logarithmic scale, with one warning per surface that has any."""
    for surface in surfaces:
        non_positive = np.ma.filled(surface.values <= 0, False)
        if non_positive.any():
            warn(f"--log leaves out {int(non_positive.sum())} points of '{surface.path}' whose {surface.metric} "
                 f"is <= 0")
            surface.values = np.ma.masked_where(non_positive, surface.values)


def make_colour_scale(surfaces, level_count, log=False, vmin=None, vmax=None):
    """Return one colour scale over the finite values of all surfaces, limited by --vmin and --vmax.

    The levels are about level_count round numbers (matplotlib's MaxNLocator) on a linear scale, and
    level_count geometrically spaced values on a logarithmic one.
    """
    finite = np.concatenate([surface.values.compressed() for surface in surfaces])
    if finite.size == 0:
        names = ", ".join(f"'{surface.path}'" for surface in surfaces)
        verb = "has" if len(surfaces) == 1 else "have"
        raise PlotError(f"{names} {verb} no finite {surfaces[0].metric} values to plot; every point is nan, inf "
                        f"or missing (or <= 0 with --log)")
    if log and vmin is not None and vmin <= 0:
        raise PlotError(f"--vmin {vmin:g} must be positive with --log")

    low = float(finite.min()) if vmin is None else vmin
    high = float(finite.max()) if vmax is None else vmax
    if not log and vmax is None and finite.min() > 0 and finite.max() > 100 * finite.min():
        warn(f"the {surfaces[0].metric} values span {finite.min():.3g} to {finite.max():.3g}, so a linear scale "
             f"resolves only the highest values; use --log or --vmax to show the region near the minimum")
    if vmin is not None and vmax is not None and not vmin < vmax:
        raise PlotError(f"--vmin {vmin:g} must be less than --vmax {vmax:g}")
    if not low < high:
        if vmin is not None or vmax is not None:
            raise PlotError(f"the colour scale from {low:g} to {high:g} is empty; the values lie in "
                            f"[{finite.min():g}, {finite.max():g}], so choose --vmin and --vmax around them")
        # A constant surface still gets a scale, so it is drawn in one colour without contour lines.
        if log:
            low, high = low / 1.1, high * 1.1
        else:
            low, high = low - max(0.5, 0.05 * abs(low)), high + max(0.5, 0.05 * abs(high))

    if log:
        levels = np.geomspace(low, high, level_count)
        norm = matplotlib.colors.LogNorm(vmin=low, vmax=high)
    else:
        levels = matplotlib.ticker.MaxNLocator(nbins=level_count).tick_values(low, high)
        tolerance = 1e-9 * (high - low)
        levels = levels[(levels >= low - tolerance) & (levels <= high + tolerance)]
        if len(levels) < 2:
            levels = np.linspace(low, high, level_count)
        norm = matplotlib.colors.Normalize(vmin=low, vmax=high)
    return ColourScale(low=low, high=high, levels=levels, norm=norm, log=log)


def colour_map(name):
    """Return a copy of a matplotlib colour map whose colour for masked points is light grey."""
    try:
        colours = matplotlib.colormaps[name].copy()
    except KeyError:
        raise PlotError(f"--cmap '{name}' is not a matplotlib colour map; try viridis, magma or coolwarm") from None
    colours.set_bad("0.85")
    return colours
