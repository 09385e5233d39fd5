/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The state directory: --state-dir, else $STATE_DIRECTORY as systemd
 * sets it (first entry if several), else an error.  The directory is
 * created with mode 0700 when missing.  Returns a malloc'd string.
 */
int daemon_state_dir(const char *option, char **out);

/* Joins a directory and a file name; malloc'd. */
char *daemon_path(const char *dir, const char *file);
