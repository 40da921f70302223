target_sources(tlt_core PRIVATE
  dist/launch_environment.cpp
  dist/process_group.cpp)
# The c10d Gloo headers need USE_C10D_GLOO; the definitions of ProcessGroupGloo are in LibTorch.
if(TLT_HAVE_GLOO)
  set_source_files_properties(dist/process_group.cpp PROPERTIES
    COMPILE_DEFINITIONS "USE_C10D_GLOO;TLT_HAVE_GLOO=1" SKIP_PRECOMPILE_HEADERS ON)
  target_link_libraries(tlt_core PRIVATE gloo)
endif()
