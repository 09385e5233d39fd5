/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "sipd.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <netinet/in.h>

#include <sofia-sip/msg_addr.h>
#include <sofia-sip/sip_header.h>
#include <sofia-sip/sip_status.h>
#include <sofia-sip/soa_tag.h>
#include <sofia-sip/su_tag_io.h>
#include <sofia-sip/url.h>

#include "log.h"

/*
 * The calls of line 1: up to Call_Appearances_Per_Line of them, as on a
 * desk phone.  At most one is "engaged" (answered or dialled: it owns
 * the speaker and microphone); the others are incoming calls waiting to
 * be answered.  A call beyond the appearances gets 486 Busy Here.
 *
 * Media: audiod opens an RTP socket (OpenStream) as soon as a call
 * starts (a waiting call: once answered), its port goes into our SDP,
 * and once both sides are known StartStream connects it.  When audiod
 * cannot help, the call goes on with an inactive stream.
 */

static bool sipd_call_has_stream(const struct sipd_call *c)
{
	return !c->stream_pending && !c->stream_failed && c->local_port;
}

static struct sipd_call *sipd_call_find(struct sipd *d, nua_handle_t *nh)
{
	size_t i;

	for (i = 0; nh && i < SIPD_CALLS_MAX; i++)
		if (d->calls[i].nh == nh)
			return &d->calls[i];

	return NULL;
}

static struct sipd_call *sipd_call_by_gen(struct sipd *d, unsigned int gen)
{
	size_t i;

	for (i = 0; gen && i < SIPD_CALLS_MAX; i++)
		if (d->calls[i].nh && d->calls[i].gen == gen)
			return &d->calls[i];

	return NULL;
}

static size_t sipd_call_count(struct sipd *d)
{
	size_t i, n = 0;

	for (i = 0; i < SIPD_CALLS_MAX; i++)
		n += d->calls[i].nh != NULL;

	return n;
}

bool sipd_call_any(struct sipd *d)
{
	return sipd_call_count(d) > 0;
}

/* Call_Appearances_Per_Line, checked by the registry to be 1..10. */
static size_t sipd_call_appearances(struct sipd *d)
{
	const char *v = param_store_get(d->params, "Call_Appearances_Per_Line");
	unsigned long n = v ? strtoul(v, NULL, 10) : 0;

	if (n < 1)
		return 1;

	return n > SIPD_CALLS_MAX ? SIPD_CALLS_MAX : n;
}

/* The engaged call (answered or dialled) other than @except, if any. */
static struct sipd_call *sipd_call_engaged(struct sipd *d,
					   const struct sipd_call *except)
{
	size_t i;

	for (i = 0; i < SIPD_CALLS_MAX; i++)
		if (d->calls[i].nh && d->calls[i].engaged &&
		    &d->calls[i] != except)
			return &d->calls[i];

	return NULL;
}

/* The oldest incoming call that still rings (nobody answered it). */
static struct sipd_call *sipd_call_oldest_waiting(struct sipd *d)
{
	struct sipd_call *c, *pick = NULL;
	size_t i;

	for (i = 0; i < SIPD_CALLS_MAX; i++) {
		c = &d->calls[i];
		if (!c->nh || c->engaged || c->state != SIPD_CALL_RINGING)
			continue;
		if (!pick || c->gen < pick->gen)
			pick = c;
	}

	return pick;
}

/* The oldest call in @state, if any. */
static struct sipd_call *sipd_call_oldest_in(struct sipd *d,
					     enum sipd_call_state state)
{
	struct sipd_call *c, *pick = NULL;
	size_t i;

	for (i = 0; i < SIPD_CALLS_MAX; i++) {
		c = &d->calls[i];
		if (c->nh && c->state == state && (!pick || c->gen < pick->gen))
			pick = c;
	}

	return pick;
}

/*
 * The call the bus properties, Answer() and Hangup() are about: the
 * engaged one, else one being ended, else the oldest ringing one.
 */
struct sipd_call *sipd_call_foreground(struct sipd *d)
{
	struct sipd_call *c = sipd_call_engaged(d, NULL);

	if (!c)
		c = sipd_call_oldest_in(d, SIPD_CALL_ENDING);
	if (!c)
		c = sipd_call_oldest_in(d, SIPD_CALL_RINGING);

	return c;
}

static void sipd_call_set_state(struct sipd *d, struct sipd_call *c,
				enum sipd_call_state state)
{
	if (c->state == state)
		return;

	log_debug("Call %u state %s -> %s", c->gen,
		  sipd_call_state_name(c->state), sipd_call_state_name(state));
	c->state = state;
	sipd_bus_call_changed(d);
}

/* The ring tone: while a call waits and none is engaged. */
static void sipd_call_update_ring(struct sipd *d)
{
	bool on = !sipd_call_engaged(d, NULL) && sipd_call_oldest_waiting(d);

	if (d->ring_on == on)
		return;

	d->ring_on = on;
	sipd_audio_ring(d, on);
}

/* Gives soa our SDP and how to choose among the offered codecs. */
#define SIPD_CALL_SOA_TAGS(sdp) \
	SOATAG_USER_SDP_STR(sdp), \
	SOATAG_RTP_SORT(SOA_RTP_SORT_REMOTE), \
	SOATAG_RTP_SELECT(SOA_RTP_SELECT_SINGLE), \
	SOATAG_AUDIO_AUX("telephone-event")

static int sipd_call_sdp(struct sipd *d, const struct sipd_call *c,
			 char *buf, size_t len)
{
	return sipd_sdp_build(buf, len, d->local_addr,
			      sipd_call_has_stream(c) ? c->local_port : 0,
			      (uint64_t)time(NULL));
}

static bool sipd_call_media_changed(const struct sipd_call *c)
{
	return c->started.port != c->remote_media.port ||
	       c->started.pt != c->pt ||
	       strcmp(c->started.address, c->remote_media.address) != 0;
}

/*
 * Starts the stream once both sides are known, and points it at the far
 * end again when a re-INVITE moved it (audiod accepts StartStream on a
 * running stream).
 */
static void sipd_call_maybe_start_stream(struct sipd *d, struct sipd_call *c)
{
	if (c->state != SIPD_CALL_ACTIVE || !sipd_call_has_stream(c) ||
	    !c->have_remote_media || c->pt < 0)
		return;

	if (c->stream_started && !sipd_call_media_changed(c))
		return;

	log_info("%s audio %s: local port %u, remote %s:%u",
		 c->stream_started ? "Moving" : "Starting", c->codec,
		 c->local_port, c->remote_media.address, c->remote_media.port);
	c->stream_started = true;
	c->started = c->remote_media;
	c->started.pt = c->pt;
	sipd_audio_start(d, c);
}

/* A request of the call went out: watch for its response. */
static void sipd_call_sent(struct sipd *d, struct sipd_call *c,
			   const char *method)
{
	sipd_timeout_sent(d, c->nh, method,
			  d->next_hop[0] ? d->next_hop : c->remote);
}

static void sipd_call_answer_call(struct sipd *d, struct sipd_call *c);

/* Auto_Answer_1_: the oldest waiting call, once no call is engaged. */
static void sipd_call_auto_next(struct sipd *d)
{
	struct sipd_call *c;

	if (d->stopping ||
	    !param_is_true(param_store_get(d->params, "Auto_Answer_1_")) ||
	    sipd_call_engaged(d, NULL))
		return;

	c = sipd_call_oldest_waiting(d);
	if (!c)
		return;

	log_info("Auto_Answer_1_ is Yes: answering the waiting call from %s",
		 c->remote);
	sipd_call_answer_call(d, c);
}

static void sipd_call_finish(struct sipd *d, struct sipd_call *c,
			     int status, const char *phrase)
{
	char reason[sizeof(c->end_reason)];

	if (c->end_reason[0])
		snprintf(reason, sizeof(reason), "%s", c->end_reason);
	else
		snprintf(reason, sizeof(reason), "%d %s", status,
			 phrase ? phrase : "");

	su_timer_destroy(c->ring_timer);
	if (sipd_call_has_stream(c))
		sipd_audio_close(d, c->stream_id);

	if (c->nh) {
		sipd_timeout_forget(d, c->nh);
		nua_handle_destroy(c->nh);
	}

	log_notice("Call with %s ended: %s", c->remote, reason);

	/* a free appearance; a later OpenStream reply finds no call */
	memset(c, 0, sizeof(*c));
	c->pt = -1;
	c->state = SIPD_CALL_IDLE;
	sipd_bus_call_changed(d);

	sipd_call_auto_next(d);
	sipd_call_update_ring(d);
	sipd_bus_call_ended(d, reason);

	if (d->restart_wanted && !sipd_call_any(d))
		sipd_stack_request_restart(d);
}

/*
 * A SIP URI is ASCII (RFC 3986: anything else is %-encoded), but the
 * peer's bytes are not to be trusted: anything outside printable ASCII
 * becomes '?', so CallRemote is always a valid D-Bus string.
 */
static void sipd_call_set_remote(struct sipd_call *c, const char *remote)
{
	size_t i;

	snprintf(c->remote, sizeof(c->remote), "%s", remote);

	for (i = 0; c->remote[i]; i++)
		if ((unsigned char)c->remote[i] < 0x20 ||
		    (unsigned char)c->remote[i] > 0x7e)
			c->remote[i] = '?';
}

/*
 * How long an incoming call rings before the phone gives up with 480.
 * A caller that vanished without CANCEL (or one spoofed UDP INVITE)
 * would otherwise keep an appearance ringing, and taken from everyone
 * else, for ever.  Three minutes is RFC 3261's Timer C for a proxy
 * waiting on a ringing phone, so no real call is cut short by it.
 */
#define SIPD_RING_TIMEOUT_MS (180 * 1000)

static su_duration_t sipd_call_ring_timeout(void)
{
	const char *v = getenv("SIPD_TEST_RING_TIMEOUT_MS");

	if (v && *v)
		return (su_duration_t)strtoul(v, NULL, 10);

	return SIPD_RING_TIMEOUT_MS;
}

static void sipd_call_ring_timer_cb(struct sipd *d, su_timer_t *t,
				    void *arg)
{
	struct sipd_call *c = sipd_call_by_gen(d, (uintptr_t)arg);

	/* the call it was armed for, still unanswered */
	if (!c || !c->incoming || c->state != SIPD_CALL_RINGING ||
	    c->engaged)
		return;

	log_notice("No answer from the phone in %ld s, ending the call "
		   "from %s", (long)(sipd_call_ring_timeout() / 1000),
		   c->remote);
	snprintf(c->end_reason, sizeof(c->end_reason), "No answer");
	nua_respond(c->nh, SIP_480_TEMPORARILY_UNAVAILABLE, TAG_END());
	sipd_call_set_state(d, c, SIPD_CALL_ENDING);
	sipd_loop_rearm(d);
}

/* The call's RTP port: the spare stream, else asked from audiod. */
static void sipd_call_open_stream(struct sipd *d, struct sipd_call *c)
{
	c->stream_asked = true;
	if (sipd_audio_take(d, &c->stream_id, &c->local_port) == 0)
		log_debug("Call %u takes the spare stream %u on port %u",
			  c->gen, c->stream_id, c->local_port);
	else if (sipd_audio_open(d, c->gen) == 0)
		c->stream_pending = true;
	else
		c->stream_failed = true;

	/* after the call's own request: audiod's ids stay in call order */
	sipd_audio_refill(d);
}

static struct sipd_call *sipd_call_begin(struct sipd *d, nua_handle_t *nh,
					 bool incoming, const char *remote,
					 bool open_stream)
{
	struct sipd_call *c = NULL;
	size_t i;

	for (i = 0; i < SIPD_CALLS_MAX && !c; i++)
		if (!d->calls[i].nh)
			c = &d->calls[i];

	if (!c)
		return NULL;

	memset(c, 0, sizeof(*c));
	c->gen = ++d->call_gen ? d->call_gen : ++d->call_gen;
	c->pt = -1;
	c->nh = nh;
	c->incoming = incoming;
	c->engaged = !incoming;
	c->state = incoming ? SIPD_CALL_RINGING : SIPD_CALL_DIALING;
	sipd_call_set_remote(c, remote);

	if (incoming) {
		c->ring_timer = su_timer_create(su_root_task(d->root), 0);
		if (c->ring_timer)
			su_timer_set_interval(c->ring_timer,
					      sipd_call_ring_timer_cb,
					      (void *)(uintptr_t)c->gen,
					      sipd_call_ring_timeout());
	}

	/* ask for the RTP port now so that answering is not delayed */
	if (open_stream)
		sipd_call_open_stream(d, c);

	sipd_bus_call_changed(d);
	return c;
}

static void sipd_call_send_answer(struct sipd *d, struct sipd_call *c)
{
	char sdp[600], contact[300];

	if (sipd_call_sdp(d, c, sdp, sizeof(sdp)) < 0 ||
	    sipd_reg_contact(d, contact, sizeof(contact)) < 0) {
		nua_respond(c->nh, SIP_500_INTERNAL_SERVER_ERROR, TAG_END());
		return;
	}

	log_info("Answering call from %s%s", c->remote,
		 sipd_call_has_stream(c) ? "" : " without audio");
	c->answered = true;
	nua_respond(c->nh, SIP_200_OK, SIPTAG_CONTACT_STR(contact),
		    SIPD_CALL_SOA_TAGS(sdp), TAG_END());
}

static void sipd_call_send_invite(struct sipd *d, struct sipd_call *c)
{
	char sdp[600], contact[300];

	if (sipd_call_sdp(d, c, sdp, sizeof(sdp)) < 0 ||
	    sipd_reg_contact(d, contact, sizeof(contact)) < 0) {
		sipd_call_finish(d, c, 500, "Cannot build the INVITE");
		return;
	}

	log_info("Calling %s%s", c->remote,
		 sipd_call_has_stream(c) ? "" : " without audio");
	nua_invite(c->nh, SIPTAG_CONTACT_STR(contact), SIPD_CALL_SOA_TAGS(sdp),
		   TAG_IF(c->auth_line[0], SIPTAG_HEADER_STR(c->auth_line)),
		   TAG_END());
	sipd_call_sent(d, c, "INVITE");
}

/* Answers @c (200 once audiod gave its port); no other call is engaged. */
static void sipd_call_answer_call(struct sipd *d, struct sipd_call *c)
{
	c->engaged = true;
	sipd_bus_call_changed(d);
	sipd_call_update_ring(d);

	/* asked while it waited, audiod may have had no stream left */
	if (!c->stream_asked || (c->stream_failed && !c->stream_pending)) {
		c->stream_failed = false;
		sipd_call_open_stream(d, c);
	}

	if (c->stream_pending) {
		c->answer_pending = true;
		return;
	}

	sipd_call_send_answer(d, c);
}

void sipd_audio_stream_ready(struct sipd *d, unsigned int gen, int err,
			     uint32_t id, uint16_t port)
{
	struct sipd_call *c = sipd_call_by_gen(d, gen);

	if (!c || !c->stream_pending) {
		/* the call is gone: give the socket back */
		if (err == 0)
			sipd_audio_close(d, id);
		return;
	}

	c->stream_pending = false;
	if (err == 0) {
		c->stream_id = id;
		c->local_port = port;
		log_debug("audiod stream %u on port %u", id, port);
	} else {
		c->stream_failed = true;
	}

	if (c->answer_pending) {
		c->answer_pending = false;
		sipd_call_send_answer(d, c);
	}

	if (c->invite_pending) {
		c->invite_pending = false;
		sipd_call_send_invite(d, c);
	}

	sipd_call_maybe_start_stream(d, c);
}

static int sipd_call_check_offer(const sip_t *sip, struct sipd_media *media)
{
	char sdp[4096];
	size_t n;

	/* no offer: ours goes into the 200 and the answer into the ACK */
	if (!sip->sip_payload || !sip->sip_payload->pl_len)
		return 1;

	n = sip->sip_payload->pl_len;
	if (n >= sizeof(sdp))
		return -EMSGSIZE;

	memcpy(sdp, sip->sip_payload->pl_data, n);
	sdp[n] = '\0';
	return sipd_sdp_media(sdp, media);
}

/*
 * Whether @src is an address of a name in Restricted_Access_Domains.
 * With @src NULL it only starts the lookups, so that the addresses are
 * known before the first call comes in.
 */
static bool sipd_call_domains_have(struct sipd *d, const struct in_addr *src)
{
	const char *list = param_store_get(d->params,
					   "Restricted_Access_Domains");
	char copy[PARAM_VALUE_MAX + 1], *tok, *save = NULL;
	struct in_addr addrs[SIPD_RESOLVE_MAX];
	int i, n;

	snprintf(copy, sizeof(copy), "%s", list ? list : "");
	for (tok = strtok_r(copy, ";, ", &save); tok;
	     tok = strtok_r(NULL, ";, ", &save)) {
		n = sipd_resolve(d, tok, addrs, SIPD_RESOLVE_MAX);
		if (n == -EINPROGRESS && src)
			log_info("Still resolving %s", tok);

		for (i = 0; src && i < n; i++) {
			if (addrs[i].s_addr == src->s_addr)
				return true;
		}
	}

	return false;
}

void sipd_call_warm_domains(struct sipd *d)
{
	sipd_call_domains_have(d, NULL);
}

/*
 * Restricted_Access_Domains: when set, calls are taken only from hosts
 * those names resolve to (the source address of the INVITE, which is
 * the proxy when calls come through one).
 */
static bool sipd_call_source_allowed(struct sipd *d)
{
	const char *list = param_store_get(d->params,
					   "Restricted_Access_Domains");
	const su_addrinfo_t *ai;
	struct in_addr src;

	if (!list || !*list)
		return true;

	ai = msg_addrinfo(nua_current_request(d->nua));
	if (!ai || ai->ai_family != AF_INET || !ai->ai_addr)
		return false;

	src = ((const struct sockaddr_in *)(const void *)ai->ai_addr)->sin_addr;

	/* through the TLS port: the relay's source, filtered there */
	if (sipd_tls_port(d) && src.s_addr == htonl(INADDR_LOOPBACK))
		return true;

	return sipd_call_domains_have(d, &src);
}

/* Up to Call_Appearances_Per_Line calls; the one beyond gets 486. */
static bool sipd_call_line_full(struct sipd *d)
{
	return sipd_call_count(d) >= sipd_call_appearances(d);
}

static void sipd_call_incoming(struct sipd *d, nua_handle_t *nh,
			       const sip_t *sip)
{
	struct sipd_media media;
	struct sipd_call *c;
	char remote[300], contact[300];
	bool alone, autoans;
	int r;

	snprintf(remote, sizeof(remote), URL_PRINT_FORMAT,
		 URL_PRINT_ARGS(sip->sip_from->a_url));

	if (d->stopping || d->restarting || sipd_call_line_full(d)) {
		log_notice("Busy, refusing call from %s", remote);
		nua_respond(nh, SIP_486_BUSY_HERE, TAG_END());
		return;
	}

	if (!sipd_call_source_allowed(d)) {
		log_notice("Call from %s comes from outside "
			   "Restricted_Access_Domains, refusing", remote);
		nua_respond(nh, SIP_403_FORBIDDEN, TAG_END());
		return;
	}

	if (param_is_true(param_store_get(d->params, "Auth_INVITE_1_"))) {
		r = sipd_auth_invite(d, nh, sip);
		if (r < 0) {
			log_err("Cannot check the INVITE's credentials: %s",
				strerror(-r));
			nua_respond(nh, SIP_500_INTERNAL_SERVER_ERROR,
				    TAG_END());
		}
		if (r != 0)
			return;
	}

	r = sipd_call_check_offer(sip, &media);
	if (r < 0) {
		log_notice("No common codec with %s (%s), refusing call",
			   remote, strerror(-r));
		nua_respond(nh, SIP_488_NOT_ACCEPTABLE, TAG_END());
		return;
	}

	/*
	 * A call alone on the line gets its RTP port at once; a waiting
	 * one only when answered, unless Auto_Answer_1_ will answer it
	 * the moment the line is free: then its 200 need not wait for
	 * audiod (no audio flows before StartStream anyway).
	 */
	alone = !sipd_call_any(d);
	autoans = param_is_true(param_store_get(d->params, "Auto_Answer_1_"));
	c = sipd_call_begin(d, nh, true, remote, alone || autoans);
	if (!c) {
		nua_respond(nh, SIP_486_BUSY_HERE, TAG_END());
		return;
	}

	/* the offer is parsed once: its first nua_i_state need not again */
	if (r == 0) {
		c->remote_media = media;
		c->have_remote_media = true;
		c->offer_parsed = true;
	}

	/* Auto_Answer_1_: straight to 200 once audiod gave a port */
	if (!sipd_call_engaged(d, c) && autoans) {
		log_notice("Incoming call from %s, answering at once "
			   "(Auto_Answer_1_)", remote);
		sipd_call_answer_call(d, c);
		return;
	}

	log_notice("Incoming call from %s%s", remote,
		   sipd_call_engaged(d, c) ? ", waiting" : "");
	sipd_reg_contact(d, contact, sizeof(contact));
	nua_respond(nh, SIP_180_RINGING, SIPTAG_CONTACT_STR(contact),
		    TAG_END());
	sipd_call_update_ring(d);
}

static void sipd_call_set_codec(struct sipd *d, struct sipd_call *c,
				const struct sipd_media *m)
{
	if (c->pt == m->pt && !strcmp(c->codec, m->codec))
		return;

	c->pt = m->pt;
	snprintf(c->codec, sizeof(c->codec), "%s", m->codec);
	sipd_bus_call_changed(d);
}

/*
 * Remote address and port from a remote SDP new in this event (an offer
 * or answer received; the INVITE's offer was parsed already), codec
 * from the answer.
 */
static void sipd_call_take_sdp(struct sipd *d, struct sipd_call *c,
			       const char *l_sdp, const char *r_sdp,
			       bool remote_new, bool answer_recv,
			       bool answer_sent)
{
	struct sipd_media m;

	if (c->offer_parsed && remote_new && !answer_recv) {
		c->offer_parsed = false;
		r_sdp = NULL;
	}

	if (r_sdp && remote_new && sipd_sdp_media(r_sdp, &m) == 0) {
		c->remote_media = m;
		c->have_remote_media = true;
		if (answer_recv)
			sipd_call_set_codec(d, c, &m);
	}

	if (answer_sent && l_sdp && sipd_sdp_media(l_sdp, &m) == 0)
		sipd_call_set_codec(d, c, &m);
}

static void sipd_call_state_event(struct sipd *d, nua_handle_t *nh,
				  int status, const char *phrase,
				  tagi_t tags[])
{
	struct sipd_call *c = sipd_call_find(d, nh);
	int cs = nua_callstate_init;
	int offer_recv = 0, answer_recv = 0, answer_sent = 0;
	const char *l_sdp = NULL, *r_sdp = NULL;

	tl_gets(tags, NUTAG_CALLSTATE_REF(cs),
		NUTAG_OFFER_RECV_REF(offer_recv),
		NUTAG_ANSWER_RECV_REF(answer_recv),
		NUTAG_ANSWER_SENT_REF(answer_sent),
		SOATAG_LOCAL_SDP_STR_REF(l_sdp),
		SOATAG_REMOTE_SDP_STR_REF(r_sdp), TAG_END());

	if (!c) {
		/* a call we refused: nua is done with it */
		if (cs == nua_callstate_terminated)
			nua_handle_destroy(nh);
		return;
	}

	log_debug("nua call %u state %s", c->gen, nua_callstate_name(cs));
	sipd_call_take_sdp(d, c, l_sdp, r_sdp, offer_recv || answer_recv,
			   answer_recv, answer_sent);

	if (cs == nua_callstate_ready) {
		sipd_call_set_state(d, c, SIPD_CALL_ACTIVE);
		sipd_call_maybe_start_stream(d, c);
	} else if (cs == nua_callstate_terminated) {
		sipd_call_finish(d, c, status, phrase);
	}
}

/*
 * Whether a challenge to our initial INVITE may be answered: only when
 * the INVITE went to our own proxy (Outbound_Proxy_1_ or Proxy_1_), and
 * for the registrar's realm once the registrar has told it.  A far end
 * (a direct call, or one relayed by the proxy) gets no credentials.
 */
static bool sipd_call_may_authenticate(struct sipd *d, const char *realm)
{
	if (!d->next_hop[0]) {
		log_notice("Challenge to a direct call (no proxy): not "
			   "answering with the line's credentials");
		return false;
	}

	if (d->reg.realm[0] && strcmp(realm, d->reg.realm) != 0) {
		log_notice("Challenge for realm '%s', not our registrar's "
			   "'%s': not answering", realm, d->reg.realm);
		return false;
	}

	return true;
}

/*
 * The proxy challenged our INVITE: send it again, on a new handle, with
 * credentials computed here.  nua_authenticate() would cache them in
 * the call's handle, and nua would then answer any later challenge to
 * a request in that dialog (a far end challenging our BYE) by itself.
 */
static int sipd_call_reinvite_auth(struct sipd *d, struct sipd_call *c,
				   int status, const sip_t *sip)
{
	char auth[1200], realm[128], to[310], from[400];
	nua_handle_t *nh;
	int r;

	r = sipd_auth_client(d, status, sip, "INVITE", c->remote, auth,
			     sizeof(auth), realm, sizeof(realm));
	if (r < 0 || !sipd_call_may_authenticate(d, realm))
		return r < 0 ? r : -EPERM;

	snprintf(to, sizeof(to), "<%s>", c->remote);
	sipd_reg_from(d, from, sizeof(from));
	nh = nua_handle(d->nua, NULL, NUTAG_URL(sipd_url(c->remote)),
			SIPTAG_TO_STR(to), SIPTAG_FROM_STR(from), TAG_END());
	if (!nh)
		return -ENOMEM;

	sipd_timeout_forget(d, c->nh);
	nua_handle_destroy(c->nh);
	c->nh = nh;
	c->auth_tries++;
	snprintf(c->auth_line, sizeof(c->auth_line), "%s: %s",
		 status == 401 ? "Authorization" : "Proxy-Authorization", auth);
	sipd_call_send_invite(d, c);
	return 0;
}

static void sipd_call_r_invite(struct sipd *d, nua_handle_t *nh, int status,
			       const char *phrase, const sip_t *sip)
{
	struct sipd_call *c = sipd_call_find(d, nh);

	if (!c || status < 300)
		return;

	/* only the initial INVITE, once; never a re-INVITE in the dialog */
	if ((status == 401 || status == 407) && sip && c->auth_tries == 0 &&
	    c->state == SIPD_CALL_DIALING &&
	    sipd_call_reinvite_auth(d, c, status, sip) == 0)
		return;

	if (!c->end_reason[0])
		snprintf(c->end_reason, sizeof(c->end_reason), "%d %s", status,
			 phrase);

	/* nua waits for credentials after a challenge: end it ourselves */
	if (status == 401 || status == 407)
		sipd_call_finish(d, c, status, phrase);
}

/*
 * Our BYE (or CANCEL) was challenged: a far end fishing for a digest of
 * the line's password.  Nothing is answered; the call ends here.
 */
static void sipd_call_r_bye(struct sipd *d, nua_handle_t *nh, int status,
			    const char *phrase)
{
	struct sipd_call *c = sipd_call_find(d, nh);

	if (!c || (status != 401 && status != 407))
		return;

	log_notice("The far end challenged our BYE/CANCEL (%d %s): no "
		   "credentials sent, ending the call here", status, phrase);
	sipd_call_finish(d, c, status, phrase);
}

static void sipd_call_set_reason(struct sipd *d, nua_handle_t *nh,
				 const char *reason)
{
	struct sipd_call *c = sipd_call_find(d, nh);

	if (c && !c->end_reason[0])
		snprintf(c->end_reason, sizeof(c->end_reason), "%s", reason);
}

void sipd_call_event(struct sipd *d, nua_event_t event, int status,
		     const char *phrase, nua_handle_t *nh, const sip_t *sip,
		     tagi_t tags[])
{
	switch (event) {
	case nua_i_invite:
		if (sipd_call_find(d, nh))
			break;	/* a re-INVITE: nua and soa answer it */
		sipd_call_incoming(d, nh, sip);
		break;
	case nua_i_state:
		sipd_call_state_event(d, nh, status, phrase, tags);
		break;
	case nua_r_invite:
		sipd_call_r_invite(d, nh, status, phrase, sip);
		break;
	case nua_r_bye:
	case nua_r_cancel:
		sipd_call_r_bye(d, nh, status, phrase);
		break;
	case nua_i_bye:
		sipd_call_set_reason(d, nh, "Remote hung up");
		break;
	case nua_i_cancel:
		sipd_call_set_reason(d, nh, "Caller cancelled");
		break;
	default:
		break;
	}
}

bool sipd_call_owns(struct sipd *d, nua_handle_t *nh)
{
	return sipd_call_find(d, nh) != NULL;
}

/*
 * Answer(): the oldest ringing call.  While another call is engaged it
 * is refused: sipd has no hold, and two calls sharing the microphone
 * would each hear the other.
 */
int sipd_call_answer(struct sipd *d)
{
	struct sipd_call *fg = sipd_call_foreground(d), *c;

	/* being answered already (waiting for audiod, or for the ACK) */
	if (fg && fg->incoming && fg->engaged &&
	    fg->state == SIPD_CALL_RINGING)
		return 0;

	c = sipd_call_oldest_waiting(d);
	if (!c)
		return -ENOENT;

	if (sipd_call_engaged(d, c))
		return -EEXIST;

	sipd_call_answer_call(d, c);
	return 0;
}

int sipd_call_dial(struct sipd *d, const char *uri)
{
	char target[300], to[310], from[400];
	struct sipd_call *c;
	nua_handle_t *nh;
	int r;

	if (sipd_call_engaged(d, NULL) || d->stopping ||
	    sipd_call_line_full(d))
		return -EBUSY;

	if (d->restarting)
		return -EAGAIN;

	/* a bare number goes to the proxy as configured, port included */
	r = sipd_dial_uri(uri, param_store_get(d->params, "Proxy_1_"), target,
			  sizeof(target));
	if (r < 0)
		return r;

	snprintf(to, sizeof(to), "<%s>", target);
	sipd_reg_from(d, from, sizeof(from));
	nh = nua_handle(d->nua, NULL, NUTAG_URL(sipd_url(target)),
			SIPTAG_TO_STR(to), SIPTAG_FROM_STR(from), TAG_END());
	if (!nh)
		return -ENOMEM;

	log_notice("Dialling %s", target);
	c = sipd_call_begin(d, nh, false, target, true);
	if (!c) {
		nua_handle_destroy(nh);
		return -EBUSY;
	}

	/* the waiting calls stop ringing: this one has the phone */
	sipd_call_update_ring(d);
	if (c->stream_pending)
		c->invite_pending = true;
	else
		sipd_call_send_invite(d, c);

	return 0;
}

/* Ends @c the way its state asks for: 486, CANCEL or BYE. */
static void sipd_call_end(struct sipd *d, struct sipd_call *c)
{
	snprintf(c->end_reason, sizeof(c->end_reason), "Hung up");

	switch (c->state) {
	case SIPD_CALL_RINGING:
		c->answer_pending = false;
		if (c->answered) {
			nua_bye(c->nh, TAG_END());
			sipd_call_sent(d, c, "BYE");
		} else
			nua_respond(c->nh, SIP_486_BUSY_HERE, TAG_END());
		break;
	case SIPD_CALL_DIALING:
		if (c->invite_pending) {
			/* nothing was sent yet */
			sipd_call_finish(d, c, 0, NULL);
			return;
		}
		nua_cancel(c->nh, TAG_END());
		sipd_call_sent(d, c, "CANCEL");
		break;
	case SIPD_CALL_ACTIVE:
		nua_bye(c->nh, TAG_END());
		sipd_call_sent(d, c, "BYE");
		break;
	default:
		return;
	}

	sipd_call_set_state(d, c, SIPD_CALL_ENDING);
}

/* Hangup(): the foreground call. */
int sipd_call_hangup(struct sipd *d)
{
	struct sipd_call *c = sipd_call_foreground(d);

	if (!c)
		return -ENOENT;

	sipd_call_end(d, c);
	return 0;
}

/* Shutdown: end every call; nua_shutdown() finishes the signalling. */
void sipd_call_stop(struct sipd *d)
{
	struct sipd_call *c;
	size_t i;

	for (i = 0; i < SIPD_CALLS_MAX; i++) {
		c = &d->calls[i];
		if (!c->nh)
			continue;

		sipd_call_end(d, c);
		if (c->nh)
			sipd_call_finish(d, c, 0, NULL);
	}

	sipd_audio_drop_spare(d);
}
