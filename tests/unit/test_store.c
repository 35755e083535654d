/*
 * test_store.c — the backup store in a local directory (store/local.c,
 * store/store.h): an object put from a spool file, its size, its hash read
 * back, random reads at offsets (a download with Range), a copy out,
 * replacement, deletion (absent is deleted already), and the names refused.
 * Each test works in a fresh temporary directory.
 */
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "base/config.h"
#include "base/err.h"
#include "store/store.h"
#include "unit.h"
#include "base/banned.h"

struct fx {
    char dir[64];
    struct ob_config cfg;
    struct ob_store *s;
};

static int
setup(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));
    struct ob_err err = { 0 };

    snprintf(f->dir, sizeof(f->dir), "/tmp/oblako-store-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->cfg.backup_dir, sizeof(f->cfg.backup_dir), "%s/store", f->dir);
    assert_int_equal(ob_store_open(&f->cfg, &f->s, &err), 0);
    *state = f;
    return 0;
}

static int
remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static int
teardown(void **state)
{
    struct fx *f = *state;

    ob_store_close(f->s);
    assert_int_equal(nftw(f->dir, remove_one, 16, FTW_DEPTH | FTW_PHYS), 0);
    free(f);
    return 0;
}

/* A spool file with `n` bytes of a pattern; its hex hash into sha. */
static void
spool_file(struct fx *f, const char *name, size_t n, char path[256], char sha[OB_SHA256_HEX])
{
    unsigned char *b = malloc(n ? n : 1), d[crypto_hash_sha256_BYTES];
    int fd;

    for (size_t i = 0; i < n; i++)
        b[i] = (unsigned char)(i * 7 + name[0]);
    snprintf(path, 256, "%s/%s", ob_store_spool(f->s), name);
    fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, b, n), (ssize_t)n);
    close(fd);
    crypto_hash_sha256(d, b, n);
    sodium_bin2hex(sha, OB_SHA256_HEX, d, sizeof(d));
    free(b);
}

static void
test_put_read_back(void **state)
{
    struct fx *f = *state;
    struct ob_err err = { 0 };
    struct ob_store_reader *r;
    char path[256], sha[OB_SHA256_HEX], got[OB_SHA256_HEX], out[300];
    unsigned char buf[100];
    int64_t size = 0;

    assert_string_equal(ob_store_kind(f->s), "local");
    spool_file(f, "a.part", 200000, path, sha);
    assert_int_equal(ob_store_put(f->s, "areas/0123456789abcdef/1.bin", path, sha, &err), 0);
    unlink(path);   /* the object stands on its own */
    assert_int_equal(ob_store_size(f->s, "areas/0123456789abcdef/1.bin", &size, &err), 0);
    assert_int_equal(size, 200000);
    assert_int_equal(ob_store_sha256(f->s, "areas/0123456789abcdef/1.bin", got, &err), 0);
    assert_string_equal(got, sha);
    /* random reads: the middle, the last bytes, past the end */
    assert_int_equal(ob_store_reader_open(f->s, "areas/0123456789abcdef/1.bin", &r, &size, &err), 0);
    assert_int_equal(size, 200000);
    assert_int_equal(ob_store_reader_read(r, 1000, buf, sizeof(buf)), sizeof(buf));
    assert_int_equal(buf[0], (unsigned char)(1000 * 7 + 'a'));
    assert_int_equal(ob_store_reader_read(r, 199990, buf, sizeof(buf)), 10);
    assert_int_equal(ob_store_reader_read(r, 200000, buf, sizeof(buf)), 0);
    ob_store_reader_close(r);
    /* a copy out is the same bytes */
    snprintf(out, sizeof(out), "%s/out", ob_store_spool(f->s));
    assert_int_equal(ob_store_get(f->s, "areas/0123456789abcdef/1.bin", out, &err), 0);
    {
        struct stat st;

        assert_int_equal(stat(out, &st), 0);
        assert_int_equal(st.st_size, 200000);
    }
}

static void
test_replace_and_delete(void **state)
{
    struct fx *f = *state;
    struct ob_err err = { 0 };
    char path[256], sha[OB_SHA256_HEX], got[OB_SHA256_HEX];
    int64_t size = 0;

    spool_file(f, "x.part", 10, path, sha);
    assert_int_equal(ob_store_put(f->s, "areas/k/2.bin", path, sha, &err), 0);
    spool_file(f, "y.part", 0, path, sha);      /* an empty object replaces it */
    assert_int_equal(ob_store_put(f->s, "areas/k/2.bin", path, sha, &err), 0);
    assert_int_equal(ob_store_size(f->s, "areas/k/2.bin", &size, &err), 0);
    assert_int_equal(size, 0);
    assert_int_equal(ob_store_sha256(f->s, "areas/k/2.bin", got, &err), 0);
    assert_string_equal(got, sha);
    assert_int_equal(ob_store_delete(f->s, "areas/k/2.bin", &err), 0);
    assert_int_equal(ob_store_size(f->s, "areas/k/2.bin", &size, &err), OB_ENOTFOUND);
    assert_int_equal(ob_store_delete(f->s, "areas/k/2.bin", &err), 0);   /* deleted already */
    assert_int_equal(ob_store_sha256(f->s, "areas/k/2.bin", got, &err), OB_ENOTFOUND);
    assert_int_equal(ob_store_get(f->s, "areas/k/2.bin", path, &err), OB_ENOTFOUND);
}

static void
test_names(void **state)
{
    static const char *const bad[] = { "", "/etc/passwd", "areas/../x", "areas//x", "areas/x/",
                                       "Areas/x", "areas/x y", "areas/ключ", "..", "a\\b" };
    struct fx *f = *state;
    struct ob_err err = { 0 };
    int64_t size;

    for (size_t i = 0; i < NELEM(bad); i++) {
        CHECK_INT(bad[i], ob_store_size(f->s, bad[i], &size, &err), OB_EINVAL);
        CHECK_INT(bad[i], ob_store_delete(f->s, bad[i], &err), OB_EINVAL);
    }
}

static void
test_open_refused(void **state)
{
    struct ob_config cfg = { 0 };
    struct ob_store *s = NULL;
    struct ob_err err = { 0 };

    (void)state;
    assert_int_equal(ob_store_open(&cfg, &s, &err), OB_EINVAL);     /* no folder */
    snprintf(cfg.backup_dir, sizeof(cfg.backup_dir), "/proc/oblako-no");
    assert_int_not_equal(ob_store_open(&cfg, &s, &err), 0);
    assert_null(s);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_put_read_back, setup, teardown),
        cmocka_unit_test_setup_teardown(test_replace_and_delete, setup, teardown),
        cmocka_unit_test_setup_teardown(test_names, setup, teardown),
        cmocka_unit_test(test_open_refused),
    };

    assert_true(sodium_init() >= 0);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
