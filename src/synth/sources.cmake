target_sources(tlt_core PRIVATE
  synth/attention_classifier.cpp
  synth/optimizer_study.cpp
  synth/study_config.cpp
  synth/study_tables.cpp
  synth/synthetic_task.cpp)
