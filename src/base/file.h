/*
 * file.h — durable files: what a crash must not half-undo (a backup copy, an
 * object of the local store) is written to a side name, fsynced, renamed into
 * place, and its folder fsynced, so the name holds the whole new file or the
 * old one. The steps, shared by db/backup.c and store/local.c.
 */
#ifndef OB_BASE_FILE_H
#define OB_BASE_FILE_H

/* fsync the file at path. 0, or -1 with errno. */
int ob_file_sync(const char *path);
/* fsync the folder that holds path ("." for a bare name), so a rename in it
 * is durable. 0, or -1 with errno. */
int ob_file_sync_dir_of(const char *path);
/* Copy from → to (created 0640 or truncated), fsynced before it is closed.
 * 0, or -1 with errno; a partial `to` is left for the caller to remove. */
int ob_file_copy(const char *from, const char *to);

#endif
