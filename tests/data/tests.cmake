target_sources(tlt_tests PRIVATE
  data/batching_test.cpp
  data/corpus_file_test.cpp
  data/data_options_test.cpp
  data/data_test_support.cpp
  data/fetch_multi30k_test.cpp
  data/prepared_data_test.cpp
  data/vocabulary_test.cpp)
