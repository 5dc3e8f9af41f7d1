# Generates the API reference (docs/Doxyfile) into <OUT>/html:
#
#   cmake [-DOUT=<dir>] [-DDOXYGEN=<doxygen>] -P docs/doxygen.cmake
#
# OUT defaults to build/docs under the repository's root. The `docs` target of
# the CMake project and ci/test.sh's docs stage both run this script, so the
# choice of main page below is made in one place. Fails (non-zero exit) on any
# Doxygen warning, an undocumented public symbol included.
cmake_minimum_required(VERSION 3.25)

get_filename_component(root "${CMAKE_CURRENT_LIST_DIR}/.." ABSOLUTE)
if(NOT DEFINED OUT)
  set(OUT "${root}/build/docs")
endif()
if(NOT DEFINED DOXYGEN)
  find_program(DOXYGEN doxygen REQUIRED)
endif()

# FAIL_ON_WARNINGS (Doxygen >= 1.9.0) lists every warning and then fails;
# older versions know only YES, which stops at the first.
execute_process(COMMAND "${DOXYGEN}" --version OUTPUT_VARIABLE version
                OUTPUT_STRIP_TRAILING_WHITESPACE)
string(REGEX MATCH "^[0-9.]+" version "${version}")
if(version VERSION_LESS 1.9.0)
  set(warn_as_error YES)
else()
  set(warn_as_error FAIL_ON_WARNINGS)
endif()

# The main page is the page of API conventions once api/CONVENTIONS.md
# exists; until then the README, which has the tour and a quick start.
# Checked at every run, not at configure time, so that the file is picked
# up as soon as it lands.
set(mainpage "${root}/api/CONVENTIONS.md")
if(NOT EXISTS "${mainpage}")
  set(mainpage "${root}/README.md")
endif()

# A stale page of a symbol that has since gone must not linger.
file(REMOVE_RECURSE "${OUT}/html")
file(MAKE_DIRECTORY "${OUT}")
set(ENV{MP_DOCS_ROOT} "${root}")
set(ENV{MP_DOCS_MAINPAGE} "${mainpage}")
set(ENV{MP_DOCS_OUT} "${OUT}")
set(ENV{MP_DOCS_WARN_AS_ERROR} "${warn_as_error}")
message(STATUS "doxygen ${version}: main page ${mainpage}, output ${OUT}/html")
execute_process(COMMAND "${DOXYGEN}" "${root}/docs/Doxyfile"
                WORKING_DIRECTORY "${root}" RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "doxygen failed (exit ${rc}): see its warnings above")
endif()
message(STATUS "API reference: ${OUT}/html/index.html")
