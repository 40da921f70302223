# The plotting script's tests run scripts/plot.py with Debian's Python, which has matplotlib, pandas and
# numpy, and need no tlt binary. Exit code 77 (one of those modules missing) is reported as skipped.
set(TLT_PLOT_PYTHON /usr/bin/python3 CACHE FILEPATH "Python with matplotlib, pandas and numpy for the PlotScript test")
if(EXISTS ${TLT_PLOT_PYTHON})
  add_test(NAME PlotScript COMMAND ${TLT_PLOT_PYTHON} ${CMAKE_CURRENT_SOURCE_DIR}/plot/test_plot.py)
  set_tests_properties(PlotScript PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 300)
else()
  message(STATUS "PlotScript test not registered: TLT_PLOT_PYTHON '${TLT_PLOT_PYTHON}' does not exist")
endif()
