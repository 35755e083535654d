/*
 * range.h — the Range header of a download (RFC 9110 §14.2): one byte range
 * of an object of known size.
 */
#ifndef OB_BASE_RANGE_H
#define OB_BASE_RANGE_H

#include <stdint.h>

enum {
    OB_RANGE_NONE = -1,     /* unsatisfiable: 416 with Content-Range: bytes * /size */
    OB_RANGE_FULL = 0,      /* the whole object with 200 */
    OB_RANGE_PART = 1,      /* bytes *first..*last (inclusive) with 206 */
};

/* Parse header h (NULL: none) against an object of size bytes. A header
 * that is not one range of bytes (several ranges, another unit, a malformed
 * one, first > last) is ignored, as the RFC allows: OB_RANGE_FULL. A range
 * that begins at or past the end (or any range of an empty object) is
 * OB_RANGE_NONE; an end past the object is cut to its last byte; "-N" is
 * the last N bytes (all of them when N is larger). */
int ob_range_parse(const char *h, int64_t size, int64_t *first, int64_t *last);

#endif
