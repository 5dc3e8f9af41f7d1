# Run one example and check what it prints, line by line, against a file of
# expected lines (examples/expected/*.txt); used by the ctest tests that
# examples/CMakeLists.txt registers:
#
#   cmake -DEXE=path/to/example -DEXPECTED=expected/x.txt
#         [-DMIN_SECONDS=1.0 -DMAX_SECONDS=1.6] [-DUNORDERED=ON] [-DLOG_STDERR=ON]
#         [-DEMULATOR=wine64] [-DARGS="--count 4"] -P check_output.cmake
#
# ARGS, one string, are the example's arguments, split as a shell would.
#
# EMULATOR (a command, or a list: command and arguments) runs EXE when it is
# not empty: CMAKE_CROSSCOMPILING_EMULATOR, which ctest would put in front of
# a target but not of this script's execute_process.
#
# An expected line is literal text, except for two placeholders:
#   {seconds}  a Python float such as 1.0 or 1.52, which must lie in
#              [MIN_SECONDS, MAX_SECONDS) when those are given;
#   {number}   any number (timings that are printed but never asserted).
# Two marker lines bracket a block of lines that may come in any order among
# themselves, for output whose order the program does not determine (two
# processes woken by one event print in whichever order they run):
#   {in any order}
#   ...
#   {end}
# The block as a whole keeps its place among the other lines. UNORDERED=ON
# makes the whole file one such block (for output whose order is the
# platform's, such as its list of start methods). The example must exit 0
# and write nothing to stderr: a task that fails reports there. LOG_STDERR=ON
# is for an example that turns multiproc's log on (multiproc/log.h): its
# stderr must then hold log lines, and nothing else.
cmake_minimum_required(VERSION 3.25)

foreach(var EXE EXPECTED)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "check_output.cmake: -D${var}=... is required")
  endif()
endforeach()

separate_arguments(args UNIX_COMMAND "${ARGS}")
# ${EMULATOR} unquoted: nothing when it is empty, one word per list item.
execute_process(COMMAND ${EMULATOR} "${EXE}" ${args} OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE rc
                TIMEOUT 120)

function(fail why)
  message(FATAL_ERROR "${EXE}: ${why}\n--- stdout ---\n${out}--- stderr ---\n${err}--------------")
endfunction()

if(NOT rc STREQUAL "0")
  fail("exited with ${rc}")
endif()
if(NOT err STREQUAL "" AND NOT LOG_STDERR)
  fail("wrote to stderr")
endif()
# CMake lists are ';'-separated: output with a ';' cannot be split into
# lines here.
if(out MATCHES ";")
  fail("output has a ';', which this checker cannot split into lines")
endif()

# Text -> a list of its lines. '[' and ']' would change how a CMake list
# splits, so they travel as {lsb} and {rsb} (in both the output and the
# expected lines, so they still compare equal).
function(lines_of text outvar)
  string(REPLACE "\r" "" text "${text}")
  string(REPLACE "[" "{lsb}" text "${text}")
  string(REPLACE "]" "{rsb}" text "${text}")
  string(REGEX REPLACE "\n$" "" text "${text}")
  string(REPLACE "\n" ";" text "${text}")
  set(${outvar} "${text}" PARENT_SCOPE)
endfunction()
lines_of("${out}" got)
if(LOG_STDERR)
  # "[2026-12-07T19:44:37.123Z 4241 INFO/MainProcess] ...", '[' and ']'
  # travelling as {lsb} and {rsb}.
  lines_of("${err}" log_lines)
  if(log_lines STREQUAL "")
    fail("wrote no log line to stderr")
  endif()
  foreach(line IN LISTS log_lines)
    if(NOT line MATCHES "^{lsb}[0-9]+-[0-9]+-[0-9]+T[0-9]+:[0-9]+:[0-9]+\\.[0-9]+Z [0-9]+ [A-Z]+/[A-Za-z0-9-]+{rsb} .")
      fail("a line on stderr is not a log line: '${line}'")
    endif()
  endforeach()
endif()
file(READ "${EXPECTED}" expected_text)
lines_of("${expected_text}" expected_file)

# The expected lines without the markers, and for each the first and last
# index of the block it belongs to (a line outside any block is a block of
# its own). Blocks are contiguous, so the printed lines a block may match
# are the ones at the same indices.
set(want "")
set(block_first "")
set(block_last "")
set(in_block OFF)
set(n 0)
foreach(line IN LISTS expected_file)
  if(line STREQUAL "{in any order}")
    if(in_block)
      message(FATAL_ERROR "${EXPECTED}: '{in any order}' inside a block")
    endif()
    set(in_block ON)
    set(first ${n})
  elseif(line STREQUAL "{end}")
    if(NOT in_block OR n EQUAL first)
      message(FATAL_ERROR "${EXPECTED}: '{end}' without a non-empty block")
    endif()
    set(in_block OFF)
    math(EXPR last "${n} - 1")
    foreach(i RANGE ${first} ${last})
      list(APPEND block_first ${first})
      list(APPEND block_last ${last})
    endforeach()
  else()
    list(APPEND want "${line}")
    if(NOT in_block)
      list(APPEND block_first ${n})
      list(APPEND block_last ${n})
    endif()
    math(EXPR n "${n} + 1")
  endif()
endforeach()
if(in_block)
  message(FATAL_ERROR "${EXPECTED}: '{in any order}' without '{end}'")
endif()

list(LENGTH got ngot)
list(LENGTH want nwant)
if(NOT ngot EQUAL nwant)
  fail("printed ${ngot} lines, expected ${nwant} (see ${EXPECTED})")
endif()
math(EXPR last "${nwant} - 1")
if(UNORDERED)
  string(REPEAT "0;" ${nwant} block_first)
  string(REPEAT "${last};" ${nwant} block_last)
endif()

# An expected line as an anchored regular expression.
function(line_regex line outvar)
  set(re "${line}")
  foreach(special "\\" "." "*" "+" "?" "^" "$" "(" ")" "{" "}" "|")
    string(REPLACE "${special}" "\\${special}" re "${re}")
  endforeach()
  string(REPLACE "\\{seconds\\}" "([0-9]+\\.[0-9]+)" re "${re}")
  string(REPLACE "\\{number\\}" "[0-9]+\\.?[0-9]*" re "${re}")
  set(${outvar} "^${re}$" PARENT_SCOPE)
endfunction()

# Bounds-check the {seconds} value a line matched (CMAKE_MATCH_1).
function(check_seconds line value)
  if(DEFINED MIN_SECONDS AND value LESS MIN_SECONDS)
    fail("'${line}': ${value} s is below the expected minimum ${MIN_SECONDS} s")
  endif()
  if(DEFINED MAX_SECONDS AND NOT value LESS MAX_SECONDS)
    fail("'${line}': ${value} s is not below the expected maximum ${MAX_SECONDS} s")
  endif()
endfunction()

# Each expected line takes the first printed line of its block that matches
# it and that no other expected line has taken.
set(used "")
foreach(i RANGE ${last})
  list(GET want ${i} expected_line)
  list(GET block_first ${i} first)
  list(GET block_last ${i} block_end)
  line_regex("${expected_line}" re)
  set(found -1)
  foreach(j RANGE ${first} ${block_end})
    list(GET got ${j} line)
    if(NOT j IN_LIST used AND line MATCHES "${re}")
      set(found ${j})
      break()
    endif()
  endforeach()
  if(found EQUAL -1)
    math(EXPR from "${first} + 1")
    math(EXPR to "${block_end} + 1")
    if(from EQUAL to)
      list(GET got ${first} line)
      fail("line ${from} is '${line}', expected '${expected_line}'")
    endif()
    fail("no line among lines ${from}-${to} matches '${expected_line}'")
  endif()
  list(APPEND used ${found})
  string(FIND "${expected_line}" "{seconds}" at)
  if(at GREATER -1)
    string(REGEX MATCH "${re}" ignored "${line}")
    check_seconds("${line}" "${CMAKE_MATCH_1}")
  endif()
endforeach()
message(STATUS "${EXE}: ${nwant} lines as expected")
