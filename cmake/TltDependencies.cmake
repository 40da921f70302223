# Finds every third-party dependency. Configuring never downloads anything: each package comes
# from the system (Debian packages) or from CMAKE_PREFIX_PATH (an official LibTorch 2.x).

find_package(Torch REQUIRED)
find_package(Threads REQUIRED)
find_package(CLI11 REQUIRED)
find_package(nlohmann_json 3.9 REQUIRED)
find_package(fmt REQUIRED)
find_package(spdlog REQUIRED)
find_package(yaml-cpp REQUIRED)
find_package(ZLIB REQUIRED)
find_package(PkgConfig REQUIRED)
pkg_check_modules(SENTENCEPIECE REQUIRED IMPORTED_TARGET sentencepiece)

# yaml-cpp 0.7 exports the target "yaml-cpp"; newer releases add the namespaced "yaml-cpp::yaml-cpp".
if(TARGET yaml-cpp::yaml-cpp)
  set(TLT_YAML_TARGET yaml-cpp::yaml-cpp)
else()
  set(TLT_YAML_TARGET yaml-cpp)
endif()

# SentencePiece's pkg-config file lists only the encoder library; the trainer lives beside it.
find_library(SENTENCEPIECE_TRAIN_LIBRARY sentencepiece_train HINTS ${SENTENCEPIECE_LIBRARY_DIRS} REQUIRED)

# torch.distributed's Gloo backend. Debian's LibTorch ships the c10d headers without the
# ProcessGroupGloo definitions, so the Gloo library is linked and USE_C10D_GLOO defined.
set(TLT_HAVE_GLOO OFF)
if(TLT_WITH_GLOO)
  find_package(Gloo QUIET)
  if(Gloo_FOUND OR TARGET gloo)
    set(TLT_HAVE_GLOO ON)
  else()
    message(STATUS "tlt: Gloo not found, multi-process runs on CPU are disabled")
  endif()
endif()

# torch.distributed's NCCL backend, for CUDA tensors: it needs a LibTorch built with CUDA, whose c10d
# headers include ProcessGroupNCCL.hpp, and NCCL's header nccl.h (from the NCCL or CUDA packages; set
# TLT_NCCL_INCLUDE_DIR where it is elsewhere). Without it, multi-process CUDA runs sum their gradients
# through Gloo on CPU copies.
set(TLT_HAVE_NCCL OFF)
if(TLT_WITH_NCCL AND TORCH_CUDA_LIBRARIES)
  find_file(TLT_PROCESS_GROUP_NCCL_HEADER torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp
            PATHS ${TORCH_INCLUDE_DIRS} NO_DEFAULT_PATH)
  find_path(TLT_NCCL_INCLUDE_DIR nccl.h HINTS ${TORCH_INCLUDE_DIRS} ${CUDAToolkit_INCLUDE_DIRS} ENV NCCL_ROOT
            PATH_SUFFIXES include)
  if(TLT_PROCESS_GROUP_NCCL_HEADER AND TLT_NCCL_INCLUDE_DIR)
    set(TLT_HAVE_NCCL ON)
    message(STATUS "tlt: NCCL backend for CUDA tensors (nccl.h in ${TLT_NCCL_INCLUDE_DIR})")
  else()
    message(STATUS "tlt: LibTorch has CUDA but ProcessGroupNCCL.hpp or nccl.h was not found; multi-process "
                   "CUDA runs use Gloo (set TLT_NCCL_INCLUDE_DIR to the folder of nccl.h)")
  endif()
endif()
