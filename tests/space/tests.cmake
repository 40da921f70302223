target_sources(tlt_tests PRIVATE
  space/direction_test.cpp
  space/pca_direction_test.cpp)
