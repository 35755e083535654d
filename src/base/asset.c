/*
 * asset.c — looking up compiled-in files.
 */
#include <string.h>

#include "asset.h"
#include "banned.h"

const struct ob_asset *
ob_asset_find(const struct ob_asset *table, int n, const char *path)
{
    for (int i = 0; i < n; i++)
        if (!strcmp(table[i].path, path))
            return &table[i];
    return NULL;
}
