target_sources(tlt_core PRIVATE
  prune/iterative_pruning.cpp
  prune/magnitude_pruning.cpp
  prune/name_pattern.cpp
  prune/output_folder.cpp
  prune/prune_options.cpp
  prune/pruning_mask.cpp
  prune/pruning_run.cpp
  prune/retrain_init.cpp)
