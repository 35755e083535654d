/*
 * store_impl.h — what an implementation of the backup store provides
 * (store/local.c, store/s3.c); only store/ includes it.
 */
#ifndef OB_STORE_STORE_IMPL_H
#define OB_STORE_STORE_IMPL_H

#include "store/store.h"

struct ob_store_ops {
    const char *kind;
    int (*put)(struct ob_store *s, const char *name, const char *path, const char *sha256,
               struct ob_err *err);
    int (*get)(struct ob_store *s, const char *name, const char *path, struct ob_err *err);
    int (*size)(struct ob_store *s, const char *name, int64_t *size, struct ob_err *err);
    int (*del)(struct ob_store *s, const char *name, struct ob_err *err);
    int (*reader_open)(struct ob_store *s, const char *name, struct ob_store_reader **out,
                       int64_t *size, struct ob_err *err);
    long (*reader_read)(struct ob_store_reader *r, int64_t off, void *buf, size_t n);
    void (*reader_close)(struct ob_store_reader *r);
    void (*close)(struct ob_store *s);
};

/* The common head of every implementation's store. An implementation's
 * reader likewise starts with `const struct ob_store_ops *ops`. */
struct ob_store {
    const struct ob_store_ops *ops;
    char spool[4096];
};

/* Open each implementation (store.c chooses by the settings). */
int ob_store_local_open(const struct ob_config *cfg, struct ob_store **out, struct ob_err *err);
int ob_store_s3_open(const struct ob_config *cfg, struct ob_store **out, struct ob_err *err);

#endif
