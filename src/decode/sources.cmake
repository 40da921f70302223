target_sources(tlt_core PRIVATE
  decode/bleu.cpp
  decode/decode_options.cpp
  decode/search.cpp
  decode/step_decoder.cpp
  decode/tokenizer_13a.cpp
  decode/translator.cpp
  decode/translator_loading.cpp)
