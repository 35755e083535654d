/*
 * db_impl.h — what the engine drivers implement; private to src/db.
 */
#ifndef OB_DB_DB_IMPL_H
#define OB_DB_DB_IMPL_H

#include "db.h"

struct ob_db_ops {
    void (*close)(struct ob_db *db);
    int (*prepare)(struct ob_db *db, const char *sql, struct ob_stmt **out);
    int (*bind_int)(struct ob_stmt *st, int i, int64_t v);
    int (*bind_text)(struct ob_stmt *st, int i, const char *s);
    int (*bind_null)(struct ob_stmt *st, int i);
    int (*bind_blob)(struct ob_stmt *st, int i, const void *data, size_t len);
    int (*step)(struct ob_stmt *st);
    int (*columns)(struct ob_stmt *st);
    bool (*is_null)(struct ob_stmt *st, int col);
    int64_t (*get_int)(struct ob_stmt *st, int col);
    const char *(*get_text)(struct ob_stmt *st, int col);
    unsigned char *(*get_blob)(struct ob_stmt *st, int col, size_t *len);
    int64_t (*changes)(struct ob_stmt *st);
    void (*finalize)(struct ob_stmt *st);
    int (*exec)(struct ob_db *db, const char *sql);
    int (*begin)(struct ob_db *db, enum ob_db_mode mode);
    const char *id_pk, *blob;   /* dialect words for migrations */
};

struct ob_db {
    const struct ob_db_ops *ops;
    enum ob_db_engine engine;
    bool in_tx;
    bool tx_write;      /* the open transaction was begun OB_DB_WRITE (counted at commit) */
    bool pinned;        /* the open transaction is a request's pinned read (ob_db_pin_read) */
    char errmsg[512];
    char url[1024];                 /* as opened, to open another connection like it */
    struct ob_db_opts opts;
};

struct ob_stmt {
    struct ob_db *db;
};

int ob_db_sqlite_open(const char *path, const struct ob_db_opts *opts, struct ob_db **out,
                      struct ob_err *err);
int ob_db_pg_open(const char *url, const struct ob_db_opts *opts, struct ob_db **out,
                  struct ob_err *err);
void ob_db_set_errmsg(struct ob_db *db, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
