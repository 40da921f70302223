target_sources(tlt_core PRIVATE
  config/schema.cpp)
