/*
 * backend_io.h — signed calls to an application backend whose bodies are
 * files: a backup or an export streamed from the backend into a spool file,
 * an archive or a dump streamed from a file to the backend
 * (docs/app-backend.md, "Copies of an area and its version").
 *
 * Neither side holds an archive in memory. `fetch` writes the answer's body
 * to a file while it computes its SHA-256 and compares it with the
 * X-Oblako-Sha256 the backend sent; `send` PUTs a file whose hash the caller
 * knows (it is the signature's SHA256(BODY) line and X-Oblako-Sha256).
 * With no file, `fetch` is an ordinary signed call with an optional JSON
 * body whose answer (small) is kept in io->answer.
 *
 * Time: the connection must be made within --backend-timeout-seconds, and a
 * transfer that moves nothing for that long is abandoned (a hanging
 * backend); max_s > 0 bounds the whole call (a task sets it below its
 * lease, so a slow transfer is never taken over mid-way by another runner).
 *
 * Returns 0 on a 2xx answer (with a matching hash for a file); OB_EINVAL
 * when the answer is permanent (a 4xx other than 408, 429 and a 422
 * "checksum": the task ends);
 * OB_EUNAVAIL otherwise (no answer, 5xx, 408/429, a hash that does not
 * match, a file that cannot be written: the task retries). io->error says
 * why for people ("the backend answered 422: checksum": its problem's
 * detail when it sent one). On a failure the file of `fetch` is removed.
 */
#ifndef OB_JOBS_BACKEND_IO_H
#define OB_JOBS_BACKEND_IO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

struct ob_config;
struct ob_backend;

#define OB_BACKEND_ANSWER_MAX 8192

struct ob_backend_io {
    long status;                    /* the HTTP status; 0 when there was no answer */
    bool permanent;                 /* the failure will not change on a retry */
    int64_t bytes;                  /* the file's bytes received or sent */
    char sha256[OB_SHA256_HEX];     /* fetch to a file: the hash of what was written */
    char version[64];               /* X-Oblako-Version of the answer, "" when none */
    char error[320];                /* why it failed, for people ("" on success) */
    size_t answer_len;              /* the answer's body when it was not a file, */
    char answer[OB_BACKEND_ANSWER_MAX]; /* NUL-terminated, cut at the cap */
};

/* A signed `method` call of `path` ("/oblako/areas/KEY/backup") with an
 * optional JSON body; a 2xx answer's body goes to the new file `file`
 * (created or truncated, mode 0600) when it is not NULL. */
int ob_backend_fetch(const struct ob_config *cfg, const struct ob_backend *b, const char *method,
                     const char *path, const char *json, const char *file, int max_s,
                     struct ob_backend_io *io);

/* A signed PUT of `path` whose body is the file `file` with hash `sha256`
 * (lower-case hex); the answer's body is kept in io->answer. */
int ob_backend_send(const struct ob_config *cfg, const struct ob_backend *b, const char *path,
                    const char *file, const char *sha256, int max_s, struct ob_backend_io *io);

#endif
