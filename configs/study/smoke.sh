# Profile "smoke" of scripts/study.sh: every stage of the quick profile on a tiny slice of the data (300
# pairs, 2 epochs of 3 steps, 3 x 3 grids), to check that the study runs from end to end. Its numbers mean
# nothing. The test tests/study/test_study.py runs it; it takes well under a minute on an idle 2-core machine.
train_config=configs/study/quick.yaml
train_set=(data.max_train_pairs=300 data.max_valid_pairs=40 data.vocab_size=300 model.d_model=32 model.d_inner=64
  model.n_layers=1 model.n_head=2 train.epochs=2 train.max_steps_per_epoch=3 train.warmup_steps=5)
retrain_set=()
device=cpu
# One thread: the models are too small to gain from a second one.
threads=1

prune_rates=(0.5)
prune_inits=(rewind random)

eval_sentences=16
global_range=-1:1:3
global_scale=1.0
local_range=-1:1:3
local_scale=0.2
series_range=-1:1:3
series_scale=0.2

synth_config=configs/synth-attn.yaml
synth_set=(task.n_samples=200 train.epochs=2)
