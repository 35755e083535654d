/*
 * banned.h — calls that Oblako's code may not make (after git's banned.h).
 *
 * Each has a safer neighbour: strcpy/sprintf → snprintf or struct ob_buf,
 * strtok → strtok_r, atoi → ob_parse_int64, gmtime/localtime → the _r forms
 * in date.c, rand → randombytes (libsodium), system → fork/exec with argv.
 * Included last by every .c file of src/ through ob.h, so a banned call is a
 * compile error.
 */
#ifndef OB_BASE_BANNED_H
#define OB_BASE_BANNED_H

#define OB_BANNED(func) sorry_##func##_is_a_banned_function

#undef strcpy
#define strcpy(x, y) OB_BANNED(strcpy)
#undef strcat
#define strcat(x, y) OB_BANNED(strcat)
#undef sprintf
#define sprintf(...) OB_BANNED(sprintf)
#undef vsprintf
#define vsprintf(...) OB_BANNED(vsprintf)
#undef strtok
#define strtok(x, y) OB_BANNED(strtok)
#undef atoi
#define atoi(x) OB_BANNED(atoi)
#undef gmtime
#define gmtime(x) OB_BANNED(gmtime)
#undef localtime
#define localtime(x) OB_BANNED(localtime)
#undef rand
#define rand() OB_BANNED(rand)
#undef system
#define system(x) OB_BANNED(system)

#endif
