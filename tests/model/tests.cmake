target_sources(tlt_tests PRIVATE model/transformer_test.cpp)
