/*
 * list.h — every list of the API, paged or exported (docs/rules.md §14).
 *
 * A handler calls ob_list_begin, hands each row to ob_list_add as a JSON
 * object with its cursor key, and finishes with ob_list_end. With
 * ?format=csv or ?format=xlsx the same rows go, all of them, into a file
 * (export/table.h) with the object's keys as the header; otherwise a page of
 * at most ?limit rows (default 50, at most 500) is returned as
 * {"items": [...], "next": URL or null}, "next" carrying ?after=KEY of the
 * last row. The model is asked for limit + 1 rows to know whether there is a
 * next page.
 */
#ifndef OB_API_LIST_H
#define OB_API_LIST_H

#include <stdbool.h>
#include <stdint.h>
#include <jansson.h>

#include "export/table.h"

struct ob_req;
struct ob_resp;

struct ob_list {
    int limit;              /* rows to ask the model for: page size + 1, or all */
    int page;
    int64_t after;          /* the cursor given, 0 for the first page */
    const char *after_text; /* the raw cursor, for lists keyed by text */
    bool export;
    enum ob_table_format fmt;
    struct ob_table *table;
    json_t *items, *header;
    int count;
    int64_t last_key;
    const char *last_text;
    const char *name;       /* file name stem of an export */
};

int ob_list_begin(struct ob_req *req, struct ob_list *l);
/* Add a row (reference stolen). key is its cursor. */
int ob_list_add(struct ob_list *l, int64_t key, json_t *row);
/* The same with a text cursor. */
int ob_list_add_text(struct ob_list *l, const char *key, json_t *row);
int ob_list_end(struct ob_req *req, struct ob_resp *resp, struct ob_list *l);
void ob_list_free(struct ob_list *l);

#endif
