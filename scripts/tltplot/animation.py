"""The animate subcommand: a GIF or MP4 of a surface series with one colour scale for all frames."""

import glob
import os
import re
import shutil

import matplotlib.animation
import numpy as np

from tltplot.figures import (ANIMATION_FORMATS, colour_map, make_colour_scale, mask_non_positive, new_figure,
                             output_extension, save_atomically)
from tltplot.surface_plots import add_colour_bar, mark_masked_points
from tltplot.surfaces import check_labels, check_relative, frame_label, read_surface, subtract_centre
from tltplot.tables import PlotError

# File names of the two series that `tlt landscape` writes: surfaces around each epoch's checkpoint, and
# the surfaces of models trained from each grid point, one file per epoch.
SERIES_PATTERNS = ("surface_[0-9]*.csv", "sweep_epoch_[0-9]*.csv")


def natural_key(path):
    """Sort key that orders frame_2 before frame_10."""
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", path)]


def collect_frames(inputs):
    """Return the frame files of a series folder, or of files and glob patterns in the order given.

    A folder must contain exactly one of the series surface_NNN.csv and sweep_epoch_NNN.csv. A pattern's
    matches are sorted in natural order.
    """
    if len(inputs) == 1 and os.path.isdir(inputs[0]):
        folder = inputs[0]
        series = [sorted(glob.glob(os.path.join(folder, pattern)), key=natural_key) for pattern in SERIES_PATTERNS]
        series = [paths for paths in series if paths]
        if not series:
            raise PlotError(f"'{folder}' contains no surface_NNN.csv or sweep_epoch_NNN.csv files; pass the frame "
                            f"files or a quoted glob such as '{os.path.join(folder, '*.csv')}'")
        if len(series) > 1:
            raise PlotError(f"'{folder}' contains both surface_NNN.csv and sweep_epoch_NNN.csv files; pass one "
                            f"series as a quoted glob, for example '{os.path.join(folder, 'surface_*.csv')}'")
        return series[0]

    frames = []
    for pattern in inputs:
        if re.search(r"[*?\[]", pattern):
            matches = sorted(glob.glob(pattern), key=natural_key)
            if not matches:
                raise PlotError(f"the pattern '{pattern}' matches no file")
            frames.extend(matches)
        else:
            frames.append(pattern)
    return frames


def animation_writer(path, fps):
    """Return a GIF writer, or an MP4 writer where ffmpeg is on PATH."""
    if output_extension(path, ANIMATION_FORMATS) == ".gif":
        return matplotlib.animation.PillowWriter(fps=fps)
    if shutil.which("ffmpeg") is None:
        raise PlotError(f"writing '{path}' needs ffmpeg on PATH, which was not found; install ffmpeg or write a .gif")
    return matplotlib.animation.FFMpegWriter(fps=fps)


def read_frames(options):
    """Read the frames and check that they are all 1-D or all 2-D with at least 2 points per axis."""
    surfaces = [read_surface(path, options.metric, options.allow_missing) for path in collect_frames(options.inputs)]
    for surface in surfaces:
        if surface.is_2d != surfaces[0].is_2d:
            raise PlotError(f"'{surface.path}' is {'2-D' if surface.is_2d else '1-D'} ({surface.shape_text}) but "
                            f"'{surfaces[0].path}' is not; all frames of an animation need the same dimension")
        if surface.is_2d and len(surface.x) < 2:
            raise PlotError(f"'{surface.path}' has a single point along x; a 2-D frame needs at least 2 per axis")
    return surfaces


def animate(options):
    """Write a GIF or MP4 with one frame per surface of a series."""
    writer = animation_writer(options.out, options.fps)
    surfaces = read_frames(options)
    labels = check_labels(options.labels, len(surfaces), "frame") or [frame_label(surface) for surface in surfaces]
    if check_relative(options):
        subtract_centre(surfaces)
    if options.log:
        mask_non_positive(surfaces)
    # One scale for every frame, so that a colour or height means the same value throughout.
    scale = make_colour_scale(surfaces, options.levels, options.log, options.vmin, options.vmax)
    colours = colour_map(options.cmap)
    two_d = surfaces[0].is_2d

    figure = new_figure(options, default_size=(6.0, 5.0) if two_d else (6.4, 4.4))
    axes = figure.add_subplot(1, 1, 1)
    if two_d:
        add_colour_bar(figure, scale, colours, axes, surfaces[0].value_label)

    def draw(index):
        surface = surfaces[index]
        axes.clear()
        if two_d:
            draw_surface_frame(axes, surface, scale, colours, options.style)
            axes.set_ylabel(options.ylabel or surface.axis_label("y"))
        else:
            axes.plot(surface.x, surface.values[0], color="C0", marker="o" if len(surface.x) <= 25 else None,
                      markersize=3)
            if scale.log:
                axes.set_yscale("log")
            axes.set_ylim(scale.low, scale.high)
            axes.set_ylabel(options.ylabel or surface.value_label)
            axes.grid(True, alpha=0.3)
        axes.set_xlabel(options.xlabel or surface.axis_label("x"))
        axes.set_title(f"{labels[index]} ({index + 1}/{len(surfaces)})", fontsize="medium")

    frames = matplotlib.animation.FuncAnimation(figure, draw, frames=len(surfaces), interval=1000 / options.fps,
                                                repeat=False)
    save_atomically(options.out, lambda temporary: frames.save(temporary, writer=writer, dpi=figure.dpi))


def draw_surface_frame(axes, surface, scale, colours, style):
    """Draw one 2-D frame: a heatmap with thin white contour lines, or labelled contour lines."""
    x, y = np.meshgrid(surface.x, surface.y)
    if style == "heatmap":
        axes.pcolormesh(surface.x, surface.y, surface.values, shading="nearest", cmap=colours, norm=scale.norm)
        axes.contour(x, y, surface.values, levels=scale.levels, colors="white", linewidths=0.5, alpha=0.7)
    else:
        contours = axes.contour(x, y, surface.values, levels=scale.levels, cmap=colours, norm=scale.norm,
                                linewidths=1.0)
        if len(contours.levels):
            axes.clabel(contours, inline=True, fontsize=7, fmt=scale.format_level)
    mark_masked_points(axes, surface)
    axes.set_box_aspect(1)
