/*
 * asset.h — files of web/ compiled into the binary (tools/embed.c).
 */
#ifndef OB_HTTP_ASSET_H
#define OB_HTTP_ASSET_H

#include <stddef.h>

struct ob_asset {
    const char *path;           /* "/index.html" */
    const unsigned char *data;
    size_t len;
    const char *etag;           /* quoted */
};

extern const struct ob_asset ob_web_assets[];
extern const int ob_nweb_assets;

#endif
