# VOUCH_FUZZ=ON (with CC=clang): the libFuzzer targets of fuzz/, with every
# target instrumented for coverage, ASan and UBSan.  Off, fuzz/ still builds
# each target with replay.c as a ctest test that replays its corpus.
option(VOUCH_FUZZ "Build the libFuzzer targets of fuzz/ (needs clang)" OFF)
if(VOUCH_FUZZ)
  if(NOT CMAKE_C_COMPILER_ID MATCHES "Clang")
    message(FATAL_ERROR "VOUCH_FUZZ needs clang (CC=clang)")
  endif()
  add_compile_options(-fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer
                      -fno-sanitize-recover=all)
  add_link_options(-fsanitize=address,undefined)
endif()
if(VOUCH_FUZZ)
  # Warnings stay errors in the gcc builds and in lint; clang has a few more of
  # them, which must not keep the fuzzers from building.
  function(vouch_warnings target)
    list(REMOVE_ITEM VOUCH_WARNINGS -Werror)
    target_compile_options(${target} PRIVATE ${VOUCH_WARNINGS})
  endfunction()
endif()
