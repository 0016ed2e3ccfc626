# Script mode of vouch_casefold (cmake -P): INPUT (CaseFolding.txt) -> OUTPUT,
# a C file with the simple case folding pairs {code point, folded}, in code
# point order (the file's own order, checked here).
file(STRINGS ${INPUT} lines REGEX "^[0-9A-F]+; [CS]; [0-9A-F]+; ")
file(STRINGS ${INPUT} version LIMIT_COUNT 1)
set(body "")
set(count 0)
set(last -1)
foreach(line IN LISTS lines)
  string(REGEX MATCH "^([0-9A-F]+); [CS]; ([0-9A-F]+);" _ "${line}")
  set(from ${CMAKE_MATCH_1})
  set(to ${CMAKE_MATCH_2})
  math(EXPR value "0x${from}")
  if(NOT value GREATER last)
    message(FATAL_ERROR "${INPUT}: ${from} is out of order")
  endif()
  set(last ${value})
  string(APPEND body "\t{ 0x${from}, 0x${to} },\n")
  math(EXPR count "${count} + 1")
endforeach()
if(count LESS 1000)
  message(FATAL_ERROR "${INPUT}: only ${count} simple case foldings; is it CaseFolding.txt?")
endif()
file(WRITE ${OUTPUT}.tmp
     "/* Generated from ${INPUT} (${version}) by cmake/CaseFoldRun.cmake; do not edit. */\n"
     "#include \"core/common.h\"\n#include \"core/fold.h\"\n\n"
     "const uint32_t vo__fold_pairs[][2] = {\n${body}};\n"
     "const size_t vo__fold_npairs = ${count};\n")
file(RENAME ${OUTPUT}.tmp ${OUTPUT})
