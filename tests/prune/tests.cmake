target_sources(tlt_tests PRIVATE
  prune/command_prune_test.cpp
  prune/magnitude_pruning_test.cpp
  prune/model_pruning_test.cpp
  prune/prune_test_support.cpp
  prune/pruning_run_test.cpp
  prune/retrain_init_test.cpp)
