target_sources(tlt_core PRIVATE
  data/batching.cpp
  data/corpus_file.cpp
  data/data_options.cpp
  data/prepared_data.cpp
  data/raw_corpus.cpp
  data/sentencepiece_library.cpp
  data/sentencepiece_training.cpp
  data/vocabulary.cpp)

# SentencePiece cannot be linked into a process that also loads LibTorch (see data/sentencepiece_api.h),
# so it lives in a module that tlt_core loads at run time. The tests and the tlt executable find it in
# ../src relative to their own folders. The build-tree path compiled into tlt_core is the last fallback.
add_library(tlt_sentencepiece MODULE data/sentencepiece_module.cpp)
target_include_directories(tlt_sentencepiece PRIVATE ${PROJECT_SOURCE_DIR}/src)
target_link_libraries(tlt_sentencepiece PRIVATE PkgConfig::SENTENCEPIECE ${SENTENCEPIECE_TRAIN_LIBRARY})
set_target_properties(tlt_sentencepiece PROPERTIES CXX_VISIBILITY_PRESET hidden VISIBILITY_INLINES_HIDDEN ON)
tlt_set_warnings(tlt_sentencepiece)
add_dependencies(tlt_core tlt_sentencepiece)
set_source_files_properties(data/sentencepiece_library.cpp PROPERTIES COMPILE_DEFINITIONS
  "TLT_SENTENCEPIECE_MODULE_FILE=\"$<TARGET_FILE_NAME:tlt_sentencepiece>\";TLT_SENTENCEPIECE_MODULE_PATH=\"$<TARGET_FILE:tlt_sentencepiece>\"")
