/*
 * bench/admission.c — the raw SQLite ceiling of session admission: one
 * process, one connection, no HTTP, the same durability as the server (WAL,
 * synchronous=FULL, BEGIN IMMEDIATE). An admission counts the subscriber's
 * open sessions, inserts the session and its history row and commits; a close
 * updates the session and inserts its history row. Pairs of both, over 64
 * subscribers, as bench/sessions.lua sends them through HTTP.
 *
 *   build/bench/admission FILE [SECONDS] [PER_COMMIT]
 *
 * Prints "admission loop: N requests/s (PER_COMMIT per commit)".
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <sqlite3.h>

#include "now.h"

static void
must(sqlite3 *db, int rc, const char *what)
{
    if (rc != SQLITE_OK && rc != SQLITE_DONE && rc != SQLITE_ROW) {
        fprintf(stderr, "admission: %s: %s\n", what, sqlite3_errmsg(db));
        exit(1);
    }
}

static const char schema[] =
    "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
    "CREATE TABLE IF NOT EXISTS app_sessions (id INTEGER PRIMARY KEY, subscriber_id INTEGER NOT "
    "NULL, area_id INTEGER NOT NULL, person_id INTEGER NOT NULL, opened_at INTEGER NOT NULL, "
    "seen_at INTEGER NOT NULL, closed_at INTEGER, close_reason TEXT);"
    "CREATE INDEX IF NOT EXISTS app_sessions_open ON app_sessions (subscriber_id, closed_at, "
    "seen_at);"
    "CREATE TABLE IF NOT EXISTS session_history (id INTEGER PRIMARY KEY, session_id INTEGER NOT "
    "NULL, subscriber_id INTEGER NOT NULL, person_id INTEGER NOT NULL, area_id INTEGER NOT NULL, "
    "event TEXT NOT NULL, reason TEXT NOT NULL DEFAULT '', at INTEGER NOT NULL, session_limit "
    "INTEGER, user_limit INTEGER);";

int
main(int argc, char **argv)
{
    sqlite3 *db;
    sqlite3_stmt *count, *open, *hist, *close_, *begin, *commit;
    double seconds = argc > 2 ? atof(argv[2]) : 5, start, end;
    int per = argc > 3 ? atoi(argv[3]) : 1;
    int64_t done = 0, ids[64] = { 0 };

    if (argc < 2 || per < 1) {
        fprintf(stderr, "usage: %s FILE [SECONDS] [PER_COMMIT]\n", argv[0]);
        return 2;
    }
    must(NULL, sqlite3_open(argv[1], &db), "open");
    sqlite3_busy_timeout(db, 5000);
    must(db, sqlite3_exec(db, schema, NULL, NULL, NULL), "schema");
    must(db, sqlite3_prepare_v2(db, "SELECT COUNT(*) FROM app_sessions WHERE subscriber_id = ? "
                                    "AND closed_at IS NULL", -1, &count, NULL), "count");
    must(db, sqlite3_prepare_v2(db, "INSERT INTO app_sessions (subscriber_id, area_id, person_id, "
                                    "opened_at, seen_at) VALUES (?, ?, 1, ?, ?) RETURNING id",
                                -1, &open, NULL), "insert");
    must(db, sqlite3_prepare_v2(db, "INSERT INTO session_history (session_id, subscriber_id, "
                                    "person_id, area_id, event, at, session_limit) VALUES (?, ?, "
                                    "1, ?, ?, ?, 5)", -1, &hist, NULL), "history");
    must(db, sqlite3_prepare_v2(db, "UPDATE app_sessions SET closed_at = ?, close_reason = "
                                    "'closed' WHERE id = ? AND closed_at IS NULL", -1, &close_,
                                NULL), "close");
    must(db, sqlite3_prepare_v2(db, "BEGIN IMMEDIATE", -1, &begin, NULL), "begin");
    must(db, sqlite3_prepare_v2(db, "COMMIT", -1, &commit, NULL), "commit");
    start = now_s();
    end = start + seconds;
    while (now_s() < end) {
        must(db, sqlite3_step(begin), "begin");
        sqlite3_reset(begin);
        for (int k = 0; k < per; k++, done++) {
            int sub = (int)(done / 2 % 64) + 1;
            int64_t t = (int64_t)time(NULL);

            if (done % 2 == 0) {        /* an admission */
                sqlite3_bind_int(count, 1, sub);
                must(db, sqlite3_step(count), "count");
                if (sqlite3_column_int(count, 0) >= 5)
                    fprintf(stderr, "admission: over the limit\n");
                sqlite3_reset(count);
                sqlite3_bind_int(open, 1, sub);
                sqlite3_bind_int(open, 2, sub);
                sqlite3_bind_int64(open, 3, t);
                sqlite3_bind_int64(open, 4, t);
                must(db, sqlite3_step(open), "insert");
                ids[sub - 1] = sqlite3_column_int64(open, 0);
                sqlite3_reset(open);
                sqlite3_bind_text(hist, 4, "open", -1, SQLITE_STATIC);
            } else {                    /* its close */
                sqlite3_bind_int64(close_, 1, t);
                sqlite3_bind_int64(close_, 2, ids[sub - 1]);
                must(db, sqlite3_step(close_), "close");
                sqlite3_reset(close_);
                sqlite3_bind_text(hist, 4, "close", -1, SQLITE_STATIC);
            }
            sqlite3_bind_int64(hist, 1, ids[sub - 1]);
            sqlite3_bind_int(hist, 2, sub);
            sqlite3_bind_int(hist, 3, sub);
            sqlite3_bind_int64(hist, 5, t);
            must(db, sqlite3_step(hist), "history");
            sqlite3_reset(hist);
        }
        must(db, sqlite3_step(commit), "commit");
        sqlite3_reset(commit);
    }
    printf("admission loop: %.0f requests/s (%d per commit)\n", (double)done / (now_s() - start),
           per);
    sqlite3_finalize(count);
    sqlite3_finalize(open);
    sqlite3_finalize(hist);
    sqlite3_finalize(close_);
    sqlite3_finalize(begin);
    sqlite3_finalize(commit);
    sqlite3_close(db);
    return 0;
}
