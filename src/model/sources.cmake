target_sources(tlt_core PRIVATE
  model/decoder.cpp
  model/encoder.cpp
  model/layers.cpp
  model/multi_head_attention.cpp
  model/parameters.cpp
  model/transformer.cpp)
