target_sources(tlt_tests PRIVATE
  decode/bleu_test.cpp
  decode/commands_test.cpp
  decode/decode_test_support.cpp
  decode/search_test.cpp
  decode/tokenizer_13a_test.cpp
  decode/translator_test.cpp)
