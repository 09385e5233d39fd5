/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The audio engine: decides from the ring flag and the active stream
 * which PCMs must be open, runs the 20 ms clock while anything plays,
 * and moves one frame per tick between PCMs, tone and stream.
 *
 * Ring tone: 440 Hz + 480 Hz, 2 s on, 4 s off, the North American
 * audible ringing tone.  A phone has no network tone to follow when it
 * rings locally, so one well-known pattern is used everywhere.
 */
#include <errno.h>
#include <string.h>
#include <systemd/sd-daemon.h>
#include <time.h>

#include "audiod.h"
#include "log.h"
#include "pcm.h"
#include "stream.h"

#define ENGINE_RING_FREQ1 440
#define ENGINE_RING_FREQ2 480
#define ENGINE_RING_ON_MS 2000
#define ENGINE_RING_OFF_MS 4000
#define ENGINE_RING_AMPLITUDE 8000	/* each tone: sum peaks near -6 dBFS */

/* Further behind than this (a suspend, a stall): skip, do not burst. */
#define ENGINE_MAX_LATE_USEC 200000ULL

const char *engine_state_name(enum audiod_state state)
{
	switch (state) {
	case AUDIOD_STATE_RINGING:
		return "ringing";
	case AUDIOD_STATE_STREAMING:
		return "streaming";
	case AUDIOD_STATE_IDLE:
		break;
	}

	return "idle";
}

static void engine_set_ok(struct audiod *d, bool *flag, bool ok,
			  const char *property)
{
	if (*flag == ok)
		return;

	*flag = ok;
	audiod_bus_emit(d, property);
}

/* A PCM that failed mid-call: say so once, carry on without it. */
static void engine_pcm_failed(struct audiod *d, struct audio_pcm **pcm,
			      int err)
{
	bool playback = pcm == &d->playback;

	log_warning("%s device %s failed: %s, continuing without it",
		    playback ? "Playback" : "Capture", audio_pcm_name(*pcm),
		    snd_strerror(err));

	audio_pcm_free(*pcm);
	*pcm = NULL;
	engine_set_ok(d, playback ? &d->playback_ok : &d->capture_ok, false,
		      playback ? "PlaybackOk" : "CaptureOk");
}

static void engine_play(struct audiod *d, const int16_t *samples)
{
	int r;

	if (!d->playback)
		return;

	r = audio_pcm_write(d->playback, samples, AUDIOD_FRAME);
	if (r < 0)
		engine_pcm_failed(d, &d->playback, r);
}

static void engine_record(struct audiod *d, int16_t *samples)
{
	int r;

	if (!d->capture) {
		memset(samples, 0, AUDIOD_FRAME * sizeof(*samples));
		return;
	}

	r = audio_pcm_read(d->capture, samples, AUDIOD_FRAME);
	if (r < 0) {
		memset(samples, 0, AUDIOD_FRAME * sizeof(*samples));
		engine_pcm_failed(d, &d->capture, r);
	}
}

static void engine_step(struct audiod *d)
{
	int16_t in[AUDIOD_FRAME], out[AUDIOD_FRAME];

	if (d->active) {
		engine_record(d, in);
		stream_tick(d->active, in, out);
		engine_play(d, out);
	} else if (d->ringing) {
		tone_fill(&d->ring, out, AUDIOD_FRAME);
		engine_play(d, out);
	}
}

/* Absolute deadlines: the period never accumulates handler latency. */
static int engine_on_clock(sd_event_source *source, uint64_t usec,
			   void *userdata)
{
	struct audiod *d = userdata;
	uint64_t now;

	engine_step(d);

	d->next_tick += AUDIOD_PERIOD_USEC;
	sd_event_now(d->event, CLOCK_MONOTONIC, &now);
	if (now > d->next_tick + ENGINE_MAX_LATE_USEC) {
		log_debug("Clock %llu us late, skipping ahead",
			  (unsigned long long)(now - d->next_tick));
		d->next_tick = now + AUDIOD_PERIOD_USEC;
	}

	sd_event_source_set_time(source, d->next_tick);
	return sd_event_source_set_enabled(source, SD_EVENT_ONESHOT);
}

static int engine_clock_run(struct audiod *d, bool run)
{
	uint64_t now;
	int r;

	if (!run) {
		d->clock = sd_event_source_disable_unref(d->clock);
		return 0;
	}

	if (d->clock)
		return 0;

	r = sd_event_now(d->event, CLOCK_MONOTONIC, &now);
	if (r < 0)
		return r;

	/* Accuracy of 1 us: no coalescing with other timers. */
	d->next_tick = now + AUDIOD_PERIOD_USEC;
	r = sd_event_add_time(d->event, &d->clock, CLOCK_MONOTONIC,
			      d->next_tick, 1, engine_on_clock, d);
	if (r < 0)
		return r;

	/* Ahead of socket and bus work, so a packet flood cannot stall it. */
	return sd_event_source_set_priority(d->clock,
					    SD_EVENT_PRIORITY_IMPORTANT);
}

/*
 * Opens @pcm on the device named by @param unless it is already open
 * there; a failure is logged once and leaves it closed.
 */
static void engine_pcm_want(struct audiod *d, struct audio_pcm **pcm,
			    const char *param, snd_pcm_stream_t dir)
{
	const char *name = param_store_get(d->params, param);
	bool playback = dir == SND_PCM_STREAM_PLAYBACK;
	int r;

	if (*pcm && strcmp(audio_pcm_name(*pcm), name) == 0)
		return;

	audio_pcm_free(*pcm);
	*pcm = NULL;

	r = audio_pcm_open(pcm, name, dir);
	if (r < 0) {
		log_warning("Cannot open %s device %s: %s, continuing "
			    "without audio", playback ? "playback" : "capture",
			    name, snd_strerror(r));
		*pcm = NULL;
	} else {
		log_info("Opened %s device %s",
			 playback ? "playback" : "capture", name);
	}

	engine_set_ok(d, playback ? &d->playback_ok : &d->capture_ok,
		      r >= 0, playback ? "PlaybackOk" : "CaptureOk");
}

static void engine_pcm_drop(struct audio_pcm **pcm)
{
	audio_pcm_free(*pcm);
	*pcm = NULL;
}

static enum audiod_state engine_state(const struct audiod *d)
{
	if (d->active)
		return AUDIOD_STATE_STREAMING;
	if (d->ringing)
		return AUDIOD_STATE_RINGING;
	return AUDIOD_STATE_IDLE;
}

/*
 * Brings PCMs, clock and the State property in line with what should
 * play.  Devices open when a ring or stream starts, so a changed
 * Playback_Device or Capture_Device applies from the next one.
 */
int engine_update(struct audiod *d)
{
	enum audiod_state state = engine_state(d);
	enum audiod_state old = d->state;
	int r;

	if (old != state) {
		if (state == AUDIOD_STATE_IDLE)
			engine_pcm_drop(&d->playback);
		else if (old == AUDIOD_STATE_IDLE || !d->playback)
			engine_pcm_want(d, &d->playback, "Playback_Device",
					SND_PCM_STREAM_PLAYBACK);

		if (state != AUDIOD_STATE_STREAMING)
			engine_pcm_drop(&d->capture);
		else
			engine_pcm_want(d, &d->capture, "Capture_Device",
					SND_PCM_STREAM_CAPTURE);
	}

	r = engine_clock_run(d, state != AUDIOD_STATE_IDLE);
	if (r < 0)
		log_err("Cannot start the audio clock: %s", strerror(-r));

	if (old != state) {
		d->state = state;
		log_notice("Audio state %s", engine_state_name(state));
		sd_notifyf(0, "STATUS=Audio %s", engine_state_name(state));
		audiod_bus_emit(d, "State");
	}

	return r;
}

int engine_start_ring(struct audiod *d)
{
	if (d->active)
		return -EBUSY;

	if (!d->ringing)
		tone_init(&d->ring, AUDIOD_RATE, ENGINE_RING_FREQ1,
			  ENGINE_RING_FREQ2, ENGINE_RING_AMPLITUDE,
			  ENGINE_RING_ON_MS, ENGINE_RING_OFF_MS);

	d->ringing = true;
	return engine_update(d);
}

void engine_stop_ring(struct audiod *d)
{
	d->ringing = false;
	engine_update(d);
}

void engine_shutdown(struct audiod *d)
{
	d->ringing = false;
	d->active = NULL;
	engine_clock_run(d, false);
	engine_pcm_drop(&d->playback);
	engine_pcm_drop(&d->capture);
}
