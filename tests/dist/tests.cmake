target_sources(tlt_tests PRIVATE
  dist/device_test.cpp
  dist/join_limits_test.cpp
  dist/local_launch_test.cpp
  dist/launch_environment_test.cpp
  dist/process_group_test.cpp)
if(TLT_HAVE_GLOO)
  target_compile_definitions(tlt_tests PRIVATE TLT_HAVE_GLOO=1)
endif()
if(TLT_HAVE_NCCL)
  target_compile_definitions(tlt_tests PRIVATE TLT_HAVE_NCCL=1)
endif()
include(${CMAKE_CURRENT_SOURCE_DIR}/dist/nccl_compile_check.cmake)
