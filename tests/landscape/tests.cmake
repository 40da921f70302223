target_sources(tlt_tests PRIVATE
  landscape/command_test.cpp
  landscape/grid_test.cpp
  landscape/landscape_test.cpp
  landscape/surface_test.cpp
  landscape/sweep_test.cpp)
