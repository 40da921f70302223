# Profile "cpu" of scripts/study.sh: the study with configs/wmt16-small.yaml (3 + 3 layers, width 256, all
# of Multi30k, 12 epochs) for a CPU run of some hours. Sourced by the script; docs/study.md describes every
# variable. Relative paths are taken from the repository root.
train_config=configs/wmt16-small.yaml
train_set=()
retrain_set=()
device=cpu

prune_rates=(0.3 0.8)
prune_inits=(rewind random)

eval_sentences=256
global_range=-1:1:21
global_scale=1.0
local_range=-1:1:21
local_scale=0.2
series_range=-1:1:11
series_scale=0.2

synth_config=configs/synth-attn.yaml
synth_set=()
