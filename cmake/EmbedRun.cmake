# Script mode of vouch_embed (cmake -P): INPUT -> OUTPUT as a byte array.
file(READ ${INPUT} hex HEX)
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "(char)0x\\1," bytes "${hex}")
string(REPEAT "[(]char[)]0x..," 12 row) # CMake regexes have no {n}
string(REGEX REPLACE "(${row})" "\\1\n" bytes "${bytes}")
file(WRITE ${OUTPUT} "/* Generated from ${INPUT} by cmake/EmbedRun.cmake; do not edit. */\n"
                     "#include \"core/common.h\"\n#include \"${HEADER}\"\n"
                     "const char ${SYMBOL}[] = {\n${bytes}0x00};\n")
