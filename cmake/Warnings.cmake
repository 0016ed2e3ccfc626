# Strict warnings for every vouch target (cJSON, curl and git use the same set).
set(VOUCH_WARNINGS
  -Wall -Wextra -Werror -Wshadow -Wconversion -Wsign-conversion
  -Wstrict-prototypes -Wmissing-prototypes -Wwrite-strings -Wformat=2 -Wvla
  -Wpointer-arith -Wcast-qual -Wundef)
function(vouch_warnings target)
  target_compile_options(${target} PRIVATE ${VOUCH_WARNINGS})
endfunction()
