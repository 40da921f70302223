"""The surface subcommands: contour, heatmap and surface3d for 2-D surfaces, curve for 1-D ones."""

import warnings

import matplotlib.cm
import matplotlib.colors
import matplotlib.ticker
import numpy as np

from tltplot.figures import (colour_map, make_colour_scale, mask_non_positive, new_figure, panel_layout,
                             save_figure)
from tltplot.surfaces import check_labels, check_relative, file_label, pca_trajectory, read_surface, subtract_centre
from tltplot.tables import PlotError

# With one scale shared by panels of different ranges, some panels have no level inside their own range,
# which is expected and not worth a warning.
warnings.filterwarnings("ignore", message="No contour levels were found")


def load_surfaces(options, two_d):
    """Read options.surfaces, check their dimension and return (surfaces, labels)."""
    surfaces = [read_surface(path, options.metric, options.allow_missing) for path in options.surfaces]
    for surface in surfaces:
        if two_d and not surface.is_2d:
            raise PlotError(f"'{surface.path}' is a 1-D surface ({surface.shape_text}); plot it with the curve "
                            f"subcommand")
        if two_d and len(surface.x) < 2:
            raise PlotError(f"'{surface.path}' has a single point along x; a 2-D plot needs at least 2 per axis")
        if not two_d and surface.is_2d:
            raise PlotError(f"'{surface.path}' is a 2-D surface ({surface.shape_text}); plot it with the contour, "
                            f"heatmap or surface3d subcommand")
    labels = check_labels(options.labels, len(surfaces), "surface") or [file_label(path) for path in options.surfaces]
    if check_relative(options):
        subtract_centre(surfaces)
    if options.log:
        mask_non_positive(surfaces)
    return surfaces, labels


def panel_scales(surfaces, options):
    """Return one colour scale per surface: the same object for all with --shared-scale."""
    if options.shared_scale:
        scale = make_colour_scale(surfaces, options.levels, options.log, options.vmin, options.vmax)
        return [scale] * len(surfaces)
    return [make_colour_scale([surface], options.levels, options.log, options.vmin, options.vmax)
            for surface in surfaces]


def best_point(surface):
    """Return (x, y, value) of the lowest loss or perplexity, or of the highest accuracy."""
    values = surface.values if surface.metric != "acc" else -surface.values
    iy, ix = np.unravel_index(int(np.ma.argmin(values)), values.shape)
    return surface.x[ix], surface.y[iy], float(surface.values[iy, ix])


def decorate_panel(axes, surface, label, scale, options):
    """Set the axis labels and a title that counts the points left out and, with --mark-best, the best one."""
    axes.set_xlabel(options.xlabel or surface.axis_label("x"))
    axes.set_ylabel(options.ylabel or surface.axis_label("y"))
    lines = [label]
    if surface.masked_count:
        lines.append(surface.not_plotted_note())
    if options.mark_best:
        x, y, value = best_point(surface)
        star = {"marker": "*", "markersize": 12, "color": "white", "markeredgecolor": "black", "linestyle": "none"}
        if axes.name == "3d":
            axes.plot([x], [y], [np.log10(value) if scale.log else value], zorder=10, **star)
        else:
            axes.plot([x], [y], **star)
        lines.append(f"best {surface.metric} {scale.format_level(value)} at ({x:.3g}, {y:.3g})")
    axes.set_title("\n".join(lines), fontsize="medium")


def add_colour_bar(figure, scale, colours, axes, label, contours=None):
    """Add a colour bar for `axes`; the levels of `contours`, if given, are drawn on it as lines."""
    mappable = matplotlib.cm.ScalarMappable(norm=scale.norm, cmap=colours)
    bar = figure.colorbar(mappable, ax=axes, label=label, shrink=0.9)
    if contours is not None and len(contours.levels):
        count = len(contours.levels)
        bar.add_lines(contours.levels, colors=["black"] * count, linewidths=[0.6] * count)
    return bar


def plot_panels(options, draw, projection=None):
    """Draw each 2-D surface in its own panel with draw(axes, surface, scale, colours) and save the figure.

    draw returns the contour set to mark on the colour bar, or None. Panels that share one scale get
    one colour bar.
    """
    surfaces, labels = load_surfaces(options, two_d=True)
    scales = panel_scales(surfaces, options)
    colours = colour_map(options.cmap)
    rows, columns = panel_layout(len(surfaces), options.columns)
    figure = new_figure(options, default_size=(4.4 * columns + 1.2, 4.0 * rows))

    all_axes = []
    contours = None
    for index, (surface, label, scale) in enumerate(zip(surfaces, labels, scales)):
        axes = figure.add_subplot(rows, columns, index + 1, projection=projection)
        contours = draw(axes, surface, scale, colours)
        decorate_panel(axes, surface, label, scale, options)
        all_axes.append(axes)
        if not options.shared_scale:
            add_colour_bar(figure, scale, colours, axes, surface.value_label, contours)
    if options.shared_scale:
        add_colour_bar(figure, scales[0], colours, all_axes, surfaces[0].value_label, contours)
    save_figure(figure, options.out)


def mark_masked_points(axes, surface):
    """Draw a small grey cross at each grid point whose value is not plotted."""
    mask = np.ma.getmaskarray(surface.values)
    if mask.any():
        x, y = np.meshgrid(surface.x, surface.y)
        axes.plot(x[mask], y[mask], linestyle="none", marker="x", markersize=3, color="0.55")


def draw_trajectory(axes, surface):
    """Draw the training trajectory of a PCA surface: each checkpoint as a dot, the first and last named."""
    trajectory = pca_trajectory(surface.metadata)
    if trajectory is None:
        return
    coordinates, names = trajectory
    axes.plot(coordinates[:, 0], coordinates[:, 1], color="red", linewidth=1.0, marker="o", markersize=3,
              markeredgecolor="white", markeredgewidth=0.5)
    for index in sorted({0, len(names) - 1}):
        axes.annotate(names[index], coordinates[index], textcoords="offset points", xytext=(4, 4), fontsize=7,
                      color="red")


def plot_contour(options):
    """Draw contour lines with labelled levels, one panel per surface."""

    def draw(axes, surface, scale, colours):
        x, y = np.meshgrid(surface.x, surface.y)
        contours = axes.contour(x, y, surface.values, levels=scale.levels, cmap=colours, norm=scale.norm,
                                linewidths=1.0)
        if len(contours.levels):
            axes.clabel(contours, inline=True, fontsize=7, fmt=scale.format_level)
        mark_masked_points(axes, surface)
        if options.trajectory:
            draw_trajectory(axes, surface)
        axes.set_box_aspect(1)
        return contours

    plot_panels(options, draw)


def plot_heatmap(options):
    """Draw a filled cell per grid point, one panel per surface, with points not plotted in light grey."""

    def draw(axes, surface, scale, colours):
        axes.pcolormesh(surface.x, surface.y, surface.values, shading="nearest", cmap=colours, norm=scale.norm)
        if options.trajectory:
            draw_trajectory(axes, surface)
        axes.set_box_aspect(1)
        return None

    plot_panels(options, draw)


def plot_surface3d(options):
    """Draw a 3-D surface per panel, with heights clipped to --vmin and --vmax.

    Clipping keeps one diverged point from flattening the rest. With --log the height is log10 of the metric.
    """

    def draw(axes, surface, scale, colours):
        x, y = np.meshgrid(surface.x, surface.y)
        heights = np.clip(surface.values.filled(np.nan), scale.low, scale.high)
        low, high = scale.low, scale.high
        if scale.log:
            heights, low, high = np.log10(heights), np.log10(low), np.log10(high)
        face_norm = matplotlib.colors.Normalize(vmin=low, vmax=high)
        with warnings.catch_warnings():
            # Cells with a masked corner are left out; matplotlib warns about their NaN heights.
            warnings.simplefilter("ignore", RuntimeWarning)
            axes.plot_surface(x, y, heights, cmap=colours, norm=face_norm, rstride=1, cstride=1, linewidth=0.2,
                              edgecolor="0.3", antialiased=True)
        axes.set_zlim(low, high)
        metric = surface.value_label
        axes.set_zlabel(f"log10 of {metric}" if scale.log else metric, fontsize="small")
        # Direction labels are long; smaller text and a smaller box keep them inside the panel.
        axes.set_box_aspect(None, zoom=0.85)
        axes.xaxis.label.set_fontsize("small")
        axes.yaxis.label.set_fontsize("small")
        axes.tick_params(labelsize="small")
        axes.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(5))
        axes.yaxis.set_major_locator(matplotlib.ticker.MaxNLocator(5))
        return None

    plot_panels(options, draw, projection="3d")


def plot_curve(options):
    """Draw 1-D surfaces as lines on one axis, with a legend from the file names or --labels."""
    surfaces, labels = load_surfaces(options, two_d=False)
    figure = new_figure(options, default_size=(6.4, 4.4))
    axes = figure.add_subplot(1, 1, 1)
    for surface, label in zip(surfaces, labels):
        marker = "o" if len(surface.x) <= 25 else None
        if surface.masked_count:
            label += f" ({surface.not_plotted_note()})"
        axes.plot(surface.x, surface.values[0], marker=marker, markersize=3, label=label)

    if options.log:
        axes.set_yscale("log")
    if options.vmin is not None or options.vmax is not None:
        axes.set_ylim(options.vmin, options.vmax)
    x_labels = {surface.axis_label("x") for surface in surfaces}
    axes.set_xlabel(options.xlabel or (x_labels.pop() if len(x_labels) == 1 else "x"))
    axes.set_ylabel(options.ylabel or surfaces[0].value_label)
    axes.grid(True, alpha=0.3)
    axes.legend(fontsize="small")
    save_figure(figure, options.out)
