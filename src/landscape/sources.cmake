target_sources(tlt_core PRIVATE
  landscape/direction_setup.cpp
  landscape/evaluation_set.cpp
  landscape/grid.cpp
  landscape/landscape.cpp
  landscape/surface.cpp
  landscape/sweep.cpp
  landscape/synth_surface_model.cpp
  landscape/transformer_surface_model.cpp)
