/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <alsa/asoundlib.h>
#include <stddef.h>
#include <stdint.h>

/*
 * A non-blocking ALSA PCM in S16_LE, mono, 8000 Hz (ALSA's plug layer
 * converts when the device wants something else).  Neither call ever
 * waits: a full playback buffer drops the frame, an empty capture
 * buffer gives silence, and xruns are recovered on the spot.  Only
 * errors that leave the PCM unusable are returned.
 */

struct audio_pcm;

int audio_pcm_open(struct audio_pcm **out, const char *name,
		   snd_pcm_stream_t dir);
void audio_pcm_free(struct audio_pcm *pcm);
const char *audio_pcm_name(const struct audio_pcm *pcm);

/* 0 when written or dropped; -errno when the PCM is dead. */
int audio_pcm_write(struct audio_pcm *pcm, const int16_t *samples, size_t n);

/* Frames captured (the rest of @samples is silence), or -errno. */
int audio_pcm_read(struct audio_pcm *pcm, int16_t *samples, size_t n);

/* Sends ALSA library messages to log_debug instead of stderr. */
void audio_pcm_quiet_alsa(void);
