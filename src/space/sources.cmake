target_sources(tlt_core PRIVATE
  space/direction.cpp
  space/pca_direction.cpp)
