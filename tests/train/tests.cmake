target_sources(tlt_tests PRIVATE
  train/loss_test.cpp
  train/trainer_test.cpp)
