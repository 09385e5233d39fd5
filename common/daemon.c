/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "daemon.h"
#include "log.h"

char *daemon_path(const char *dir, const char *file)
{
	char *p;

	if (asprintf(&p, "%s/%s", dir, file) < 0)
		return NULL;

	return p;
}

int daemon_state_dir(const char *option, char **out)
{
	const char *env = getenv("STATE_DIRECTORY");
	char *dir;

	if (option)
		dir = strdup(option);
	else if (env && *env)
		/* systemd separates several directories with ':' */
		dir = strndup(env, strcspn(env, ":"));
	else
		return -ENOENT;

	if (!dir)
		return -ENOMEM;

	if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
		int r = -errno;

		free(dir);
		return r;
	}

	*out = dir;
	return 0;
}
