/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * main() for a fuzz target built without libFuzzer: replays each file
 * named, or each regular file of each directory named, once.  Prints
 * "replayed N input(s)" so a test can check that none was missed.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"

#define REPLAY_MAX (1024 * 1024)

static int replay_file(const char *path, unsigned int *count)
{
	static uint8_t buf[REPLAY_MAX];
	uint8_t *copy;
	FILE *f = fopen(path, "rb");
	size_t n;

	if (!f) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return -errno;
	}

	n = fread(buf, 1, sizeof(buf), f);
	fclose(f);

	/* An exact-size copy, so ASan sees any read past the input. */
	copy = malloc(n ? n : 1);
	if (!copy)
		return -ENOMEM;

	memcpy(copy, buf, n);
	LLVMFuzzerTestOneInput(copy, n);
	free(copy);
	(*count)++;
	return 0;
}

static int replay_dir(const char *path, unsigned int *count)
{
	struct dirent **names;
	int i, n, r = 0;

	n = scandir(path, &names, NULL, alphasort);
	if (n < 0) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return -errno;
	}

	for (i = 0; i < n; i++) {
		char file[4096];
		struct stat st;

		snprintf(file, sizeof(file), "%s/%s", path, names[i]->d_name);
		if (names[i]->d_name[0] != '.' && stat(file, &st) == 0 &&
		    S_ISREG(st.st_mode) && replay_file(file, count) < 0)
			r = -EIO;
		free(names[i]);
	}

	free(names);
	return r;
}

int main(int argc, char **argv)
{
	unsigned int count = 0;
	struct stat st;
	int i, bad = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: %s FILE|DIR...\n", argv[0]);
		return 2;
	}

	for (i = 1; i < argc; i++) {
		int r;

		if (stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode))
			r = replay_dir(argv[i], &count);
		else
			r = replay_file(argv[i], &count);
		if (r < 0)
			bad++;
	}

	printf("replayed %u input(s)\n", count);
	return bad ? 1 : 0;
}
