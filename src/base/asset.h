/*
 * asset.h — files compiled into the binary by tools/embed.c: the cabinet
 * (web/) and the mail templates (src/mail/templates/).
 */
#ifndef OB_BASE_ASSET_H
#define OB_BASE_ASSET_H

#include <stddef.h>

struct ob_asset {
    const char *path;           /* "/index.html" */
    const unsigned char *data;
    size_t len;
    const char *etag;           /* quoted */
};

extern const struct ob_asset ob_web_assets[];
extern const int ob_nweb_assets;
extern const struct ob_asset ob_mail_assets[];
extern const int ob_nmail_assets;
extern const struct ob_asset ob_data_assets[];
extern const int ob_ndata_assets;

/* The asset at path in a table of n, or NULL. */
const struct ob_asset *ob_asset_find(const struct ob_asset *table, int n, const char *path);

#endif
