target_sources(tlt_core PRIVATE
  util/error.cpp
  util/file_io.cpp
  util/interrupt.cpp
  util/logging.cpp
  util/progress.cpp
  util/run_info.cpp
  util/shapes.cpp
  util/state_dict.cpp
  util/torch_compat.cpp)
