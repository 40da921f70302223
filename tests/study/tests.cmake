# The end-to-end test of scripts/study.sh runs the smoke profile with the tlt executable of this build tree
# and Debian's Python (the figures need matplotlib and pandas). It needs Multi30k ($TLT_MULTI30K_DIR, else
# ../shared/data/multi30k beside the repository); exit code 77 (data or Python modules missing) is reported
# as skipped.
set(TLT_STUDY_PYTHON /usr/bin/python3 CACHE FILEPATH "Python with matplotlib and pandas for the StudyScript test")
if(NOT TARGET tlt)
  message(STATUS "StudyScript test not registered: the tlt executable is not built (TLT_BUILD_APPS is OFF)")
elseif(NOT EXISTS ${TLT_STUDY_PYTHON})
  message(STATUS "StudyScript test not registered: TLT_STUDY_PYTHON '${TLT_STUDY_PYTHON}' does not exist")
else()
  add_test(NAME StudyScript COMMAND ${TLT_STUDY_PYTHON} ${CMAKE_CURRENT_SOURCE_DIR}/study/test_study.py
                                    $<TARGET_FILE:tlt>)
  set_tests_properties(StudyScript PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 600 ENVIRONMENT "OMP_WAIT_POLICY=PASSIVE")
endif()
