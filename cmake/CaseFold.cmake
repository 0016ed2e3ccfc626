# vouch_casefold(OUTPUT): generates, at build time, the table of Unicode
# simple case folding (the C and S entries of CaseFolding.txt) that
# src/core/fold.c looks code points up in.  The data comes from Debian's
# unicode-data package (/usr/share/unicode/CaseFolding.txt; scripts/deps.sh
# installs it), so no Unicode table is copied into the repository, and a
# newer package gives newer folding with a rebuild.
set(VOUCH_CASEFOLDING "/usr/share/unicode/CaseFolding.txt"
    CACHE FILEPATH "Unicode's CaseFolding.txt (Debian package unicode-data)")
if(NOT EXISTS "${VOUCH_CASEFOLDING}")
  message(FATAL_ERROR "${VOUCH_CASEFOLDING} not found: install the Debian package unicode-data "
                      "(scripts/deps.sh build), or set VOUCH_CASEFOLDING")
endif()

function(vouch_casefold output)
  add_custom_command(
    OUTPUT ${output}
    COMMAND ${CMAKE_COMMAND} -DINPUT=${VOUCH_CASEFOLDING} -DOUTPUT=${output} -P
            ${CMAKE_SOURCE_DIR}/cmake/CaseFoldRun.cmake
    DEPENDS ${VOUCH_CASEFOLDING} ${CMAKE_SOURCE_DIR}/cmake/CaseFoldRun.cmake
    COMMENT "Generating the case folding table from ${VOUCH_CASEFOLDING}")
endfunction()
