# Profile "cpu-short" of scripts/study.sh: the wmt16-small study of the cpu profile with shorter
# retraining and coarser grids. On 2 CPU cores the stages after the base run took 80 minutes. The pruned
# networks train for 4 epochs on the base run's learning-rate schedule, so they compare with the base
# run's first 4 epochs. It is sourced by the script (bash syntax), not run on its own. Relative paths are
# taken from the repository root. docs/study.md describes every variable.

train_config=configs/wmt16-small.yaml
train_set=()
retrain_set=(train.epochs=4)
device=cpu

prune_rates=(0.3 0.8)
prune_inits=(rewind random)

eval_sentences=256
global_range=-1:1:11
global_scale=1.0
local_range=-1:1:11
local_scale=0.2
series_range=-1:1:5
series_scale=0.2

synth_config=configs/synth-attn.yaml
synth_set=(task.n_samples=6000 train.epochs=12)
