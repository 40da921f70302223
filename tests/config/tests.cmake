target_sources(tlt_tests PRIVATE config/schema_test.cpp)
