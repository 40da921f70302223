target_sources(tlt_tests PRIVATE
  synth/attention_classifier_test.cpp
  synth/command_test.cpp
  synth/optimizer_study_test.cpp
  synth/study_config_test.cpp
  synth/study_tables_test.cpp
  synth/synthetic_task_test.cpp)
