/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alsaconf.h"
#include "audiod.h"
#include "log.h"
#include "pcm.h"

/* Enough to ride out a late tick, small enough for a phone call. */
#define AUDIO_PCM_LATENCY_USEC 80000

struct audio_pcm {
	snd_pcm_t *handle;
	snd_config_t *conf;		/* the plug layer refers to it */
	char *name;
	snd_pcm_stream_t dir;
};

static void audio_pcm_alsa_error(const char *file, int line,
				 const char *function, int err,
				 const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);

	log_debug("ALSA %s: %s%s%s", function, msg, err ? ": " : "",
		  err ? snd_strerror(err) : "");
}

void audio_pcm_quiet_alsa(void)
{
	snd_lib_error_set_handler(audio_pcm_alsa_error);
}

static int audio_pcm_configure(struct audio_pcm *pcm)
{
	int r;

	/* Soft resampling on: plug converts rate and channels for us. */
	r = snd_pcm_set_params(pcm->handle, SND_PCM_FORMAT_S16_LE,
			       SND_PCM_ACCESS_RW_INTERLEAVED, 1, AUDIOD_RATE,
			       1, AUDIO_PCM_LATENCY_USEC);
	if (r < 0)
		return r;

	/* Capture runs from the start so the first tick finds samples. */
	if (pcm->dir == SND_PCM_STREAM_CAPTURE) {
		r = snd_pcm_start(pcm->handle);
		if (r < 0)
			return r;
	}

	return 0;
}

int audio_pcm_open(struct audio_pcm **out, const char *name,
		   snd_pcm_stream_t dir)
{
	struct audio_pcm *pcm;
	int r;

	pcm = calloc(1, sizeof(*pcm));
	if (!pcm)
		return -ENOMEM;

	pcm->dir = dir;
	pcm->name = strdup(name);
	if (!pcm->name) {
		free(pcm);
		return -ENOMEM;
	}

	r = audio_conf_new(&pcm->conf);
	if (r < 0) {
		audio_pcm_free(pcm);
		return r;
	}

	r = snd_pcm_open_lconf(&pcm->handle, name, dir, SND_PCM_NONBLOCK,
			       pcm->conf);
	if (r < 0) {
		pcm->handle = NULL;
		audio_pcm_free(pcm);
		return r;
	}

	r = audio_pcm_configure(pcm);
	if (r < 0) {
		audio_pcm_free(pcm);
		return r;
	}

	*out = pcm;
	return 0;
}

void audio_pcm_free(struct audio_pcm *pcm)
{
	if (!pcm)
		return;

	if (pcm->handle)
		snd_pcm_close(pcm->handle);
	if (pcm->conf)
		snd_config_delete(pcm->conf);
	free(pcm->name);
	free(pcm);
}

const char *audio_pcm_name(const struct audio_pcm *pcm)
{
	return pcm->name;
}

/* After an xrun or a suspend; -errno if the PCM cannot come back. */
static int audio_pcm_recover(struct audio_pcm *pcm, int err)
{
	int r;

	log_debug("PCM %s: %s, recovering", pcm->name, snd_strerror(err));

	r = snd_pcm_recover(pcm->handle, err, 1);
	if (r < 0)
		return r;

	if (pcm->dir == SND_PCM_STREAM_CAPTURE)
		snd_pcm_start(pcm->handle);

	return 0;
}

int audio_pcm_write(struct audio_pcm *pcm, const int16_t *samples, size_t n)
{
	snd_pcm_sframes_t r;
	int attempt;

	for (attempt = 0; attempt < 2; attempt++) {
		r = snd_pcm_writei(pcm->handle, samples, n);
		if (r >= 0 || r == -EAGAIN)
			return 0;	/* a partial or full buffer: drop */

		if (r != -EPIPE && r != -ESTRPIPE && r != -EINTR)
			return (int)r;

		r = audio_pcm_recover(pcm, (int)r);
		if (r < 0)
			return (int)r;
	}

	return 0;
}

int audio_pcm_read(struct audio_pcm *pcm, int16_t *samples, size_t n)
{
	snd_pcm_sframes_t r;
	size_t got = 0;

	r = snd_pcm_readi(pcm->handle, samples, n);
	if (r >= 0) {
		got = (size_t)r;
	} else if (r == -EPIPE || r == -ESTRPIPE || r == -EINTR) {
		r = audio_pcm_recover(pcm, (int)r);
		if (r < 0)
			return (int)r;
	} else if (r != -EAGAIN) {
		return (int)r;
	}

	memset(samples + got, 0, (n - got) * sizeof(*samples));
	return (int)got;
}
