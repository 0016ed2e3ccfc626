# VOUCH_SANITIZE=address,undefined (or thread): instrument every target.
set(VOUCH_SANITIZE "" CACHE STRING "Sanitizers to build with, e.g. address,undefined")
if(VOUCH_SANITIZE)
  add_compile_options(-fsanitize=${VOUCH_SANITIZE} -fno-omit-frame-pointer
                      -fno-sanitize-recover=all)
  add_link_options(-fsanitize=${VOUCH_SANITIZE})
endif()
