/*
 * demo.h — `oblako demo`: fill a database with demo data.
 */
#ifndef OB_DEMO_H
#define OB_DEMO_H

struct ob_ctx;

/* Create the demo provider, partners, subscribers and people, once (a
 * database that has them is left alone). Prints the logins to stdout. */
int ob_demo_seed(struct ob_ctx *ctx);

#endif
