# vouch_embed(INPUT OUTPUT SYMBOL HEADER): writes a C file defining
# `const char SYMBOL[]` with INPUT's bytes and a terminating NUL, so a text
# file kept readable in the repository (the OpenAPI document) is compiled in.
# HEADER (included first) declares SYMBOL.
function(vouch_embed input output symbol header)
  add_custom_command(
    OUTPUT ${output}
    COMMAND ${CMAKE_COMMAND} -DINPUT=${input} -DOUTPUT=${output} -DSYMBOL=${symbol} -DHEADER=${header} -P
            ${CMAKE_SOURCE_DIR}/cmake/EmbedRun.cmake
    DEPENDS ${input} ${CMAKE_SOURCE_DIR}/cmake/EmbedRun.cmake
    COMMENT "Embedding ${input}")
endfunction()
