# Profile "quick" of scripts/study.sh: the whole study in about 10 minutes on 2 CPU cores, as a
# first look. It is sourced by the script (bash syntax), not run on its own. Relative paths are taken from
# the repository root. docs/study.md describes every variable.

# The base run: its config and --set overrides. Every retraining of a pruned network uses the base run's
# resolved config, with the overrides of retrain_set on top.
train_config=configs/study/quick.yaml
train_set=()
retrain_set=()
device=cpu

# One-shot global magnitude pruning at each rate, retrained from each init (rewind = the recorded w0).
prune_rates=(0.3 0.8)
prune_inits=(rewind random)

# Loss surfaces of every model along the same two filter-normalised random directions, which are drawn
# against the base run's best.pt. Ranges are MIN:MAX:POINTS; the scale multiplies the axis values.
eval_sentences=128
global_range=-1:1:11
global_scale=1.0
local_range=-1:1:11
local_scale=0.2
# The epoch-wise series: the same directions around init.pt and every epoch_NNN.pt of the base run.
series_range=-1:1:7
series_scale=0.2

# The synth-attn optimizer comparison, with a smaller task and fewer epochs than its own config. On 6000
# samples the validation loss levels off near 1.09, far above the config's threshold of 0.5, so the
# threshold epoch compares the optimizers at 1.1 instead.
synth_config=configs/synth-attn.yaml
synth_set=(task.n_samples=6000 train.epochs=12 train.valid_loss_threshold=1.1)
