target_sources(tlt_core PRIVATE
  train/evaluation.cpp
  train/loss.cpp
  train/lr_schedule.cpp
  train/metrics_table.cpp
  train/run_config.cpp
  train/run_folder.cpp
  train/train_options.cpp
  train/trainer.cpp
  train/weight_mask.cpp)
