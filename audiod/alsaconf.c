/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "alsaconf.h"
#include "log.h"

/* Loads one file of the path into @top; a missing one is skipped. */
static int audio_conf_load(snd_config_t *top, const char *file)
{
	snd_input_t *in;
	struct stat st;
	int r;

	/* As alsa-lib: files that are not there are not an error. */
	if (stat(file, &st) < 0)
		return 0;

	r = snd_input_stdio_open(&in, file, "r");
	if (r < 0) {
		log_err("Cannot open the ALSA configuration %s: %s", file,
			snd_strerror(r));
		return r;
	}

	r = snd_config_load(top, in);
	snd_input_close(in);
	if (r < 0)
		log_err("Cannot parse the ALSA configuration %s: %s", file,
			snd_strerror(r));

	return r;
}

/* Each file of ALSA_CONFIG_PATH (":"-separated), else alsa.conf. */
static int audio_conf_load_path(snd_config_t *top)
{
	const char *env = getenv("ALSA_CONFIG_PATH");
	char *path, *file, *save = NULL;
	int r = 0;

	if (env && *env)
		path = strdup(env);
	else if (asprintf(&path, "%s/alsa.conf", snd_config_topdir()) < 0)
		path = NULL;
	if (!path)
		return -ENOMEM;

	for (file = strtok_r(path, ":", &save); file && r >= 0;
	     file = strtok_r(NULL, ":", &save))
		r = audio_conf_load(top, file);

	free(path);
	return r;
}

static bool audio_conf_is_dir(snd_config_t *node)
{
	const char *name;
	struct stat st;

	if (snd_config_get_type(node) != SND_CONFIG_TYPE_STRING ||
	    snd_config_get_string(node, &name) < 0)
		return false;

	return stat(name, &st) == 0 && S_ISDIR(st.st_mode);
}

/* Drops the directories from one hook's file list, if it loads files. */
static void audio_conf_strip_hook(snd_config_t *hook)
{
	snd_config_iterator_t i, next;
	snd_config_t *func, *files;
	const char *name;

	if (snd_config_search(hook, "func", &func) < 0 ||
	    snd_config_get_string(func, &name) < 0 ||
	    strcmp(name, "load") != 0 ||
	    snd_config_search(hook, "files", &files) < 0 ||
	    snd_config_get_type(files) != SND_CONFIG_TYPE_COMPOUND)
		return;

	snd_config_for_each(i, next, files) {
		snd_config_t *file = snd_config_iterator_entry(i);

		if (!audio_conf_is_dir(file))
			continue;

		if (snd_config_get_string(file, &name) >= 0)
			log_debug("ALSA configuration: not reading %s", name);
		snd_config_delete(file);
	}
}

/*
 * The top-level hooks run when a PCM is looked up in the tree, so the
 * conf.d directories are taken out of their file lists beforehand.
 */
static void audio_conf_strip_dirs(snd_config_t *top)
{
	snd_config_iterator_t i, next;
	snd_config_t *hooks;

	if (snd_config_search(top, "@hooks", &hooks) < 0 ||
	    snd_config_get_type(hooks) != SND_CONFIG_TYPE_COMPOUND)
		return;

	snd_config_for_each(i, next, hooks) {
		snd_config_t *hook = snd_config_iterator_entry(i);

		if (snd_config_get_type(hook) == SND_CONFIG_TYPE_COMPOUND)
			audio_conf_strip_hook(hook);
	}
}

int audio_conf_new(snd_config_t **out)
{
	snd_config_t *top;
	int r;

	r = snd_config_top(&top);
	if (r < 0)
		return r;

	r = audio_conf_load_path(top);
	if (r < 0) {
		snd_config_delete(top);
		return r;
	}

	audio_conf_strip_dirs(top);
	*out = top;
	return 0;
}
