/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <alsa/asoundlib.h>

/*
 * The ALSA configuration audiod opens its PCMs with: the files ALSA
 * itself would read first (ALSA_CONFIG_PATH, or alsa.conf), and through
 * alsa.conf's load hook /etc/asound.conf and ~/.asoundrc, but not the
 * conf.d directories.  Those hold the snippets of installed plugin
 * packages; libasound2-plugins' pulse.conf there loads PulseAudio's
 * client libraries (~1.5 MB) into every process that opens a PCM, which
 * a phone never needs.  A device defined only in a conf.d file (pulse,
 * jack, ...) can be named in /etc/asound.conf instead.
 */

/* A new tree for snd_pcm_open_lconf(); the caller deletes it. */
int audio_conf_new(snd_config_t **out);
