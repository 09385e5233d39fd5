/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

#include "params.h"
#include "tone.h"

/*
 * audiod: ring tone and G.711 RTP streams between the network and the
 * ALSA playback/capture PCMs.  Everything runs on one sd-event loop,
 * paced by audiod's own 20 ms clock (engine.c), because PCMs such as
 * ALSA's file and null plugins accept and return data at any speed.
 */

#define AUDIOD_RATE 8000
#define AUDIOD_FRAME 160		/* samples per 20 ms packet */
#define AUDIOD_PERIOD_USEC 20000ULL
/*
 * sipd holds up to 10 calls (Call_Appearances_Per_Line), each of which
 * may have a stream while it waits to be auto-answered, plus one opened
 * ahead: 8 made the last calls of a full line go without audio.
 */
#define AUDIOD_MAX_STREAMS 12

#define AUDIOD_BUS_NAME "org.deskphone.Audio"
#define AUDIOD_BUS_PATH "/org/deskphone/Audio"
#define AUDIOD_BUS_INTERFACE "org.deskphone.Audio1"
#define AUDIOD_SIPD_NAME "org.deskphone.Sip"

enum audiod_state {
	AUDIOD_STATE_IDLE,
	AUDIOD_STATE_RINGING,
	AUDIOD_STATE_STREAMING,
};

struct audio_pcm;
struct stream;

struct audiod {
	sd_event *event;
	sd_bus *bus;
	struct param_store *params;

	sd_event_source *clock;
	uint64_t next_tick;		/* absolute CLOCK_MONOTONIC deadline */

	bool ringing;
	struct tone ring;

	struct stream *streams[AUDIOD_MAX_STREAMS];
	struct stream *active;		/* the one started stream, if any */
	uint32_t last_id;

	struct audio_pcm *playback;
	struct audio_pcm *capture;
	bool playback_ok;
	bool capture_ok;

	enum audiod_state state;	/* as last published on the bus */
	uint64_t packets_sent;		/* of the last started stream */
	uint64_t packets_received;
};

/* engine.c: the clock, the ring tone and the PCMs. */
int engine_start_ring(struct audiod *d);
void engine_stop_ring(struct audiod *d);
int engine_update(struct audiod *d);
void engine_shutdown(struct audiod *d);
const char *engine_state_name(enum audiod_state state);

/* audiod-bus.c */
int audiod_bus_add(struct audiod *d);
void audiod_bus_emit(struct audiod *d, const char *property);
