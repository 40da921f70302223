target_sources(tlt_core PRIVATE
  train/loss.cpp)
