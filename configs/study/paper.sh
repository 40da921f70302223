# Profile "paper" of scripts/study.sh: the study with configs/wmt16.yaml (the base model of Vaswani et al.
# 2017: 6 + 6 layers, width 512, 100 epochs) on a GPU, with the 51 x 51 grids of the landscape figures.
# Sourced by the script; docs/study.md describes every variable.
train_config=configs/wmt16.yaml
train_set=()
retrain_set=()
device=cuda

prune_rates=(0.3 0.8)
prune_inits=(rewind random)

# NOTE: tlt landscape has no --device option and evaluates on the CPU, so these grids take days there
# (26 010 points of the 6 + 6 layer model for the ten surfaces, an estimate). Reduce them until it has one.
eval_sentences=512
global_range=-1:1:51
global_scale=1.0
local_range=-1:1:51
local_scale=0.2
series_range=-1:1:21
series_scale=0.2

synth_config=configs/synth-attn.yaml
synth_set=()
