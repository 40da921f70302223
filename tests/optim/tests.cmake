target_sources(tlt_tests PRIVATE
  optim/optimizer_test.cpp
  optim/optimizer_trajectory_test.cpp
  optim/reduce_lr_on_plateau_test.cpp
  optim/warmup_test.cpp)
