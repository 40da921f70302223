target_sources(tlt_core PRIVATE
  optim/adam.cpp
  optim/optimizer.cpp
  optim/reduce_lr_on_plateau.cpp
  optim/sgd.cpp
  optim/warmup.cpp)
