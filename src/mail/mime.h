/*
 * mime.h — header values that are not plain ASCII, as RFC 2047 encoded words.
 *
 * A Subject or a display name in Russian cannot go into a mail header as it
 * is; it goes as one or more "=?UTF-8?B?…?=" words, each at most 75
 * characters (RFC 2047 §2), folded onto continuation lines.
 */
#ifndef OB_MAIL_MIME_H
#define OB_MAIL_MIME_H

#include <stddef.h>

struct ob_buf;

/* The longest encoded word RFC 2047 allows. */
#define OB_MIME_WORD_MAX 75

/* Append the header value utf8 to b: unchanged when it is printable ASCII
 * and cannot be mistaken for an encoded word, otherwise as encoded words
 * separated by CRLF SPACE, none splitting a UTF-8 character. Returns 0,
 * OB_EINVAL (utf8 is not valid UTF-8) or OB_ETOOLARGE; on error b is left
 * as it was. */
int ob_mime_header_encode(struct ob_buf *b, const char *utf8);
/* The same for a value that starts at `column` of its line ("Subject: " is
 * 9): the first word is shortened, or moved to a continuation line, so that
 * no line holding an encoded word passes 76 characters (RFC 2047 §2). */
int ob_mime_header_encode_at(struct ob_buf *b, const char *utf8, size_t column);

#endif
