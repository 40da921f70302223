"""Figures from the CSV files that tlt writes; scripts/plot.py is the command-line entry point.

Modules, bottom-up:
    tables          reading CSV files with errors that name the file and the problem (PlotError)
    surfaces        loss surfaces (ix,iy,x,y,loss,ppl,acc) and their JSON sidecars
    runs            training runs, synth-attn study folders and sparsity tables
    figures         figure size, colour scales and atomic saving
    surface_plots   contour, heatmap, surface3d and curve
    run_plots       training, synth and sparsity
    animation       animate
"""

import matplotlib

# Figures are only written to files, so the non-interactive backend is used even where a display exists.
matplotlib.use("Agg")
