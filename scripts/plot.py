#!/usr/bin/python3
"""Plot the CSV files that tlt writes: loss surfaces, training curves, optimizer studies and sparsity.

Run with Debian's Python, which has matplotlib, pandas and numpy:

    /usr/bin/python3 scripts/plot.py contour runs/base/landscape.csv --out landscape.png

The output format follows the extension of --out (.png, .pdf or .svg; .gif or .mp4 for animate).
docs/plots.md describes every subcommand. Exit codes: 0 success, 2 invalid input or usage, 130 interrupted.
"""

import argparse
import sys

try:
    from tltplot.animation import animate
    from tltplot.figures import IMAGE_FORMATS, output_extension, parse_size
    from tltplot.run_plots import plot_sparsity, plot_synth, plot_training
    from tltplot.surface_plots import plot_contour, plot_curve, plot_heatmap, plot_surface3d
    from tltplot.surfaces import METRICS
    from tltplot.tables import PlotError
except ModuleNotFoundError as error:
    if error.name not in ("matplotlib", "numpy", "pandas", "PIL"):
        raise
    print(f"plot.py: error: {sys.executable} has no module '{error.name}'; run the script with /usr/bin/python3 "
          f"(Debian's python3-matplotlib and python3-pandas) or install matplotlib, pandas and numpy", file=sys.stderr)
    sys.exit(2)


def positive_int(text):
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value <= 0:
        raise argparse.ArgumentTypeError(f"'{text}' is not a positive integer")
    return value


def positive_float(text):
    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if not value > 0:
        raise argparse.ArgumentTypeError(f"'{text}' is not a positive number")
    return value


def level_count(text):
    value = positive_int(text)
    if value < 2:
        raise argparse.ArgumentTypeError(f"'{text}' is too few; give at least 2 levels")
    return value


def figure_size(text):
    try:
        return parse_size(text)
    except PlotError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def output_options():
    """Options of every subcommand: where to write and how large."""
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--out", required=True, metavar="FILE",
                        help="output file; its extension sets the format (.png, .pdf, .svg; .gif, .mp4 for animate)")
    parser.add_argument("--dpi", type=positive_int, default=150, help="resolution in dots per inch (default 150)")
    parser.add_argument("--size", type=figure_size, metavar="WxH",
                        help="figure size in inches, for example 6x4 (default: depends on the number of panels)")
    parser.add_argument("--title", help="figure title")
    return parser


def value_options():
    """Options of the surface subcommands: which metric and its scale."""
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--metric", choices=METRICS, default="loss", help="column to plot (default loss)")
    parser.add_argument("--labels", nargs="+", metavar="LABEL",
                        help="one label per input, in order (default: the file names)")
    parser.add_argument("--log", action="store_true", help="logarithmic value scale; values <= 0 are left out")
    parser.add_argument("--relative", action="store_true",
                        help="plot each surface minus its value at (0, 0), so that surfaces at different levels "
                             "share one scale of changes (not with --log)")
    parser.add_argument("--vmin", type=float, help="lower end of the value scale (default: the lowest value)")
    parser.add_argument("--vmax", type=float,
                        help="upper end of the value scale (default: the highest value); useful where the loss "
                             "diverges far from the minimum")
    parser.add_argument("--allow-missing", action="store_true",
                        help="leave out grid points missing from a file (a sweep in progress) instead of failing")
    parser.add_argument("--xlabel", help="x axis label (default: from the JSON sidecar's direction, else x)")
    parser.add_argument("--ylabel", help="y axis label (default: from the JSON sidecar's direction, else y)")
    return parser


def colour_options():
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--levels", type=level_count, default=15,
                        help="about this many contour levels, at round values on a linear scale (default 15)")
    parser.add_argument("--cmap", default="viridis", help="matplotlib colour map (default viridis)")
    return parser


def panel_options():
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--shared-scale", action=argparse.BooleanOptionalAction, default=True,
                        help="one colour scale, level set and colour bar for all panels (default on)")
    parser.add_argument("--columns", type=positive_int, default=3, help="panels per row (default 3)")
    parser.add_argument("--mark-best", action="store_true",
                        help="mark the lowest loss or perplexity, or the highest accuracy, with a star")
    parser.add_argument("--trajectory", action=argparse.BooleanOptionalAction, default=True,
                        help="draw the checkpoints of a PCA surface (both axes pca) from its sidecar on contour and "
                             "heatmap panels (default on)")
    return parser


def build_parser():
    parser = argparse.ArgumentParser(
        prog="plot.py", description="Plot the CSV files that tlt writes.",
        epilog="Exit codes: 0 success, 2 invalid input or usage, 130 interrupted. See docs/plots.md.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    output, values, colours, panels = output_options(), value_options(), colour_options(), panel_options()

    surface_commands = [
        ("contour", plot_contour, "contour lines with labelled levels, one panel per 2-D surface"),
        ("heatmap", plot_heatmap, "filled colour per grid point, one panel per 2-D surface"),
        ("surface3d", plot_surface3d, "3-D surface, one panel per 2-D surface"),
    ]
    for name, function, description in surface_commands:
        command = commands.add_parser(name, parents=[output, values, colours, panels], help=description,
                                      description=description[0].upper() + description[1:] + ".")
        command.add_argument("surfaces", nargs="+", metavar="SURFACE.csv", help="surfaces written by tlt landscape")
        command.set_defaults(run=function)

    command = commands.add_parser("curve", parents=[output, values], help="1-D surfaces as lines on one axis",
                                  description="1-D surfaces as lines on one axis.")
    command.add_argument("surfaces", nargs="+", metavar="SURFACE.csv", help="1-D surfaces written by tlt landscape")
    command.set_defaults(run=plot_curve)

    command = commands.add_parser(
        "training", parents=[output], help="loss, accuracy and learning rate against epoch",
        description="Loss, accuracy and learning rate (and BLEU where valid.csv has it) against epoch; train "
                    "dashed, valid solid, learning-rate reductions dotted.")
    command.add_argument("runs", nargs="+", metavar="RUN",
                         help="training run folder, synth-attn study folder or <setting>.csv")
    command.add_argument("--labels", nargs="+", metavar="LABEL", help="one label per curve (run or setting)")
    command.add_argument("--log", action="store_true", help="logarithmic loss axis")
    command.set_defaults(run=plot_training)

    command = commands.add_parser(
        "synth", parents=[output], help="the settings of a synth-attn study on one figure",
        description="Validation loss, validation accuracy and learning rate of every setting of a synth-attn study.")
    command.add_argument("folder", metavar="SYNTH_DIR", help="output folder of tlt synth-attn")
    command.add_argument("--labels", nargs="+", metavar="LABEL", help="one label per setting, in the study's order")
    command.add_argument("--train", action="store_true", help="also draw the training curves, faint")
    command.add_argument("--log", action="store_true", help="logarithmic loss axis")
    command.set_defaults(run=plot_synth)

    command = commands.add_parser("sparsity", parents=[output], help="pruned share per tensor",
                                  description="Share of pruned weights per tensor, from sparsity.csv of tlt prune.")
    command.add_argument("files", nargs="+", metavar="SPARSITY.csv", help="sparsity.csv files of tlt prune")
    command.add_argument("--labels", nargs="+", metavar="LABEL", help="one label per file (default: folder names)")
    command.set_defaults(run=plot_sparsity)

    command = commands.add_parser(
        "animate", parents=[output, values, colours], help="GIF or MP4 of a surface series",
        description="GIF (or MP4 where ffmpeg is on PATH) of a surface series with one colour scale for all frames.")
    command.add_argument("inputs", nargs="+", metavar="SERIES",
                         help="folder with surface_NNN.csv or sweep_epoch_NNN.csv, quoted glob patterns or files")
    command.add_argument("--fps", type=positive_float, default=2.0, help="frames per second (default 2)")
    command.add_argument("--style", choices=("heatmap", "contour"), default="heatmap",
                         help="draw 2-D frames as a heatmap with contour lines or as labelled contour lines "
                              "(default heatmap)")
    command.set_defaults(run=animate)
    return parser


def main(argv=None):
    options = build_parser().parse_args(argv)
    try:
        if options.command != "animate":
            output_extension(options.out, IMAGE_FORMATS)
        options.run(options)
    except PlotError as error:
        print(f"plot.py: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("plot.py: interrupted", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
