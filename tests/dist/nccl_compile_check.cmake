# The NCCL backend is built only against a LibTorch with CUDA, which the development and CI machines do
# not have. Where LibTorch's headers declare ProcessGroupNCCL and a CUDA toolkit with nccl.h is installed,
# the NcclBackendCompiles test compiles the backend's files (without linking or running them), so that a
# change that breaks them fails here rather than on a user's GPU cluster.
if(TLT_HAVE_NCCL)
  return()
endif()
find_file(TLT_CHECK_PROCESS_GROUP_NCCL_HEADER torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp
          PATHS ${TORCH_INCLUDE_DIRS} NO_DEFAULT_PATH)
find_path(TLT_CHECK_CUDA_INCLUDE_DIR cuda_runtime_api.h HINTS ENV CUDA_HOME PATHS /usr/local/cuda
          PATH_SUFFIXES include)
find_path(TLT_CHECK_NCCL_INCLUDE_DIR nccl.h HINTS ${TLT_CHECK_CUDA_INCLUDE_DIR} ENV NCCL_ROOT PATH_SUFFIXES include)
if(NOT TLT_CHECK_PROCESS_GROUP_NCCL_HEADER OR NOT TLT_CHECK_CUDA_INCLUDE_DIR OR NOT TLT_CHECK_NCCL_INCLUDE_DIR)
  message(STATUS "NcclBackendCompiles test not registered: it needs ProcessGroupNCCL.hpp in LibTorch's headers "
                 "and a CUDA toolkit with nccl.h")
  return()
endif()

# Debian's CPU LibTorch ships the c10/cuda headers but not the header that CMake generates for them.
set(tlt_check_generated ${CMAKE_CURRENT_BINARY_DIR}/nccl_check_include)
find_file(TLT_CHECK_CUDA_MACROS_HEADER c10/cuda/impl/cuda_cmake_macros.h PATHS ${TORCH_INCLUDE_DIRS} NO_DEFAULT_PATH)
if(NOT TLT_CHECK_CUDA_MACROS_HEADER)
  file(WRITE ${tlt_check_generated}/c10/cuda/impl/cuda_cmake_macros.h
       "// Written by tests/dist/nccl_compile_check.cmake for a LibTorch without CUDA.\n#pragma once\n"
       "#define C10_CUDA_BUILD_SHARED_LIBS\n")
endif()

add_library(tlt_nccl_check OBJECT EXCLUDE_FROM_ALL
  ${PROJECT_SOURCE_DIR}/src/dist/nccl_collectives.cpp
  ${PROJECT_SOURCE_DIR}/src/dist/process_group.cpp)
target_compile_definitions(tlt_nccl_check PRIVATE USE_C10D_NCCL TLT_HAVE_NCCL=1 $<$<BOOL:${TLT_HAVE_GLOO}>:TLT_HAVE_GLOO=1>)
target_include_directories(tlt_nccl_check PRIVATE ${PROJECT_SOURCE_DIR}/include ${PROJECT_SOURCE_DIR}/src)
target_include_directories(tlt_nccl_check SYSTEM PRIVATE ${tlt_check_generated} ${TLT_CHECK_CUDA_INCLUDE_DIR}
                           ${TLT_CHECK_NCCL_INCLUDE_DIR})
target_link_libraries(tlt_nccl_check PRIVATE torch spdlog::spdlog fmt::fmt)
target_compile_options(tlt_nccl_check PRIVATE -O0)
tlt_set_warnings(tlt_nccl_check)

add_test(NAME NcclBackendCompiles
         COMMAND ${CMAKE_COMMAND} --build ${CMAKE_BINARY_DIR} --target tlt_nccl_check --config $<CONFIG>)
set_tests_properties(NcclBackendCompiles PROPERTIES TIMEOUT 300)
