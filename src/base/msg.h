/*
 * msg.h — the message catalogs: data/messages.en.json and messages.ru.json.
 *
 * Each catalog maps a reason ("deferred_renewal.too_early") to a template
 * with {name} placeholders, and a field ("label.inn") to the label a
 * {field} placeholder shows. Both files are compiled into the binary (the
 * data assets) and the cabinet reads the same files at /i18n/messages.<lang>.json.
 * They are parsed once, on first use, and never change afterwards, so any
 * thread may read them.
 */
#ifndef OB_BASE_MSG_H
#define OB_BASE_MSG_H

#include <stddef.h>

struct ob_err;

/* "ru" or "en" for a language tag or an Accept-Language header ("ru-RU,
 * ru;q=0.9, en;q=0.8": the first of ru and en named); NULL when neither is. */
const char *ob_msg_lang(const char *accept);

/* Render err's reason and params in lang into out (falling back to English,
 * then to the reason and its params): {name} is the param's value, {field}
 * the label of the field when the catalog has one. */
void ob_msg_render(const struct ob_err *err, const char *lang, char *out, size_t size);

#endif
