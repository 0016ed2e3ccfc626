/*
 * banned.h - calls that are too easy to misuse on untrusted input.
 *
 * Including this header (common.h does) turns each use of a banned function
 * into a compile error that names the function, in the manner of git's
 * banned.h.  Use the bounded helpers of core/buf.h and core/str.h instead.
 */
#ifndef VO_CORE_BANNED_H
#define VO_CORE_BANNED_H

#define VO_BANNED(func) sorry_##func##_is_a_banned_function

#undef strcpy
#define strcpy(x, y) VO_BANNED(strcpy)
#undef strcat
#define strcat(x, y) VO_BANNED(strcat)
#undef strncpy
#define strncpy(x, y, n) VO_BANNED(strncpy)
#undef strncat
#define strncat(x, y, n) VO_BANNED(strncat)
#undef sprintf
#define sprintf(...) VO_BANNED(sprintf)
#undef vsprintf
#define vsprintf(...) VO_BANNED(vsprintf)
#undef strtok
#define strtok(x, y) VO_BANNED(strtok)
#undef atoi
#define atoi(x) VO_BANNED(atoi)
#undef atol
#define atol(x) VO_BANNED(atol)
#undef gmtime
#define gmtime(t) VO_BANNED(gmtime)
#undef localtime
#define localtime(t) VO_BANNED(localtime)

#endif
