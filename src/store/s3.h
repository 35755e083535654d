/*
 * s3.h — the pure parts of the S3 backup store (store/s3.c), apart so that
 * tests/unit/test_s3.c checks them without a server: AWS Signature
 * Version 4, the bucket URL setting, and S3's XML error answers.
 */
#ifndef OB_STORE_S3_H
#define OB_STORE_S3_H

#include <stddef.h>

/* One request to sign. path is the raw (not yet encoded) absolute path,
 * query the raw query string without '?' ("" for none); headers are the
 * "Name:value" lines to sign, which must include Host and X-Amz-Date (any
 * case, any order; values are trimmed and inner runs of spaces folded as
 * SigV4 asks). payload_sha256 is the hex digest of the body (or
 * "UNSIGNED-PAYLOAD"); amz_date is YYYYMMDDTHHMMSSZ (UTC). service is "s3"
 * for the store ("service" in AWS's generic test vectors). The path is
 * encoded once, as S3 wants; it is not normalized (no "." or ".." segments
 * or doubled '/': the store's names have none). */
struct ob_s3_request {
    const char *method, *path, *query;
    const char *const *headers;
    size_t n_headers;
    const char *payload_sha256, *amz_date;
    const char *region, *service, *access_key, *secret_key;
};

/* The Authorization header's value ("AWS4-HMAC-SHA256 Credential=…,
 * SignedHeaders=…, Signature=…") into out. With canonical non-NULL the
 * canonical request is also written there (for the tests and the log).
 * Returns 0, or -1 when a buffer is too small or an argument is malformed. */
int ob_s3_sign(const struct ob_s3_request *r, char *out, size_t size, char *canonical,
               size_t canonical_size);

/* The bucket URL setting, http[s]://host[:port]/bucket. Plain http is
 * accepted only for a loopback host (127.0.0.0/8, [::1], localhost): the
 * keys and the copies never cross a network in clear text, and a test can
 * still run s3rver on 127.0.0.1 (docs/decisions.md). host_port is what the
 * Host header carries (the port only when not the scheme's default).
 * Returns 0 or -1 with a reason in why. */
struct ob_s3_url {
    char scheme[8];         /* "https" or "http" */
    char host_port[256];
    char bucket[64];
};
int ob_s3_url_parse(const char *url, struct ob_s3_url *out, const char **why);

/* S3's error answer, <Error><Code>NoSuchKey</Code><Message>…</Message>…:
 * its code and message (each "" when absent; entities &lt; &gt; &amp;
 * &quot; &apos; decoded, the rest left as they are, truncated to fit).
 * Returns 0 when the body is such an answer, -1 otherwise. */
int ob_s3_error_parse(const char *body, size_t n, char *code, size_t code_size, char *message,
                      size_t message_size);

#endif
