/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <syslog.h>

/*
 * Log levels, as used by every daemon:
 *   err      something failed that an operator must act on
 *   warning  something failed and the daemon carries on ("..., ignoring")
 *   notice   operator-visible state change (registered, lease bound, call)
 *   info     progress worth seeing in a normal run
 *   debug    protocol detail; library code (common/) logs only at this level
 *
 * Lines go to stderr with the "<N>" priority prefix that journald and
 * systemd understand (sd-daemon(3)), so no syslog connection is needed.
 */

void log_open(const char *ident);
void log_set_max_level(int level);
int log_get_max_level(void);
int log_level_from_string(const char *s);

__attribute__((format(printf, 2, 3)))
void log_printf(int level, const char *fmt, ...);

#define log_err(...)     log_printf(LOG_ERR, __VA_ARGS__)
#define log_warning(...) log_printf(LOG_WARNING, __VA_ARGS__)
#define log_notice(...)  log_printf(LOG_NOTICE, __VA_ARGS__)
#define log_info(...)    log_printf(LOG_INFO, __VA_ARGS__)
#define log_debug(...)   log_printf(LOG_DEBUG, __VA_ARGS__)
