target_sources(tlt_core PRIVATE
  dist/device.cpp
  dist/join_watchdog.cpp
  dist/launch_environment.cpp
  dist/process_group.cpp)

# Each c10d backend is compiled in its own file, because LibTorch's headers declare ProcessGroupGloo only
# with USE_C10D_GLOO and ProcessGroupNCCL only with USE_C10D_NCCL. The backends' definitions are in
# LibTorch (Debian's LibTorch needs Debian's Gloo library as well). These files skip the precompiled
# header, whose macros differ.
set(tlt_dist_backends "")
if(TLT_HAVE_GLOO)
  target_sources(tlt_core PRIVATE dist/gloo_collectives.cpp)
  set_source_files_properties(dist/gloo_collectives.cpp PROPERTIES
    COMPILE_DEFINITIONS "USE_C10D_GLOO;TLT_HAVE_GLOO=1" SKIP_PRECOMPILE_HEADERS ON)
  target_link_libraries(tlt_core PRIVATE gloo)
  list(APPEND tlt_dist_backends "TLT_HAVE_GLOO=1")
endif()
if(TLT_HAVE_NCCL)
  target_sources(tlt_core PRIVATE dist/nccl_collectives.cpp)
  set_source_files_properties(dist/nccl_collectives.cpp PROPERTIES
    COMPILE_DEFINITIONS "USE_C10D_NCCL;TLT_HAVE_NCCL=1" SKIP_PRECOMPILE_HEADERS ON)
  target_include_directories(tlt_core PRIVATE ${TLT_NCCL_INCLUDE_DIR})
  list(APPEND tlt_dist_backends "TLT_HAVE_NCCL=1")
endif()
set_source_files_properties(dist/process_group.cpp PROPERTIES
  COMPILE_DEFINITIONS "${tlt_dist_backends}" SKIP_PRECOMPILE_HEADERS ON)
