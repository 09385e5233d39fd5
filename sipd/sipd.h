/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * sipd: the SIP user agent of the phone.  One thread runs su_root; sofia's
 * nua stack, sd-bus and the signal fd are all driven from it.
 *
 * The magic types must be set before any sofia header is included, so
 * every sipd source includes this header first.
 */
struct sipd;
#define SU_ROOT_MAGIC_T struct sipd
#define NUA_MAGIC_T struct sipd
#define NUA_HMAGIC_T void
#define SU_WAKEUP_ARG_T void
#define SU_TIMER_ARG_T void
#define SU_PREPOLL_MAGIC_T struct sipd

#include <stdbool.h>
#include <stdint.h>
#include <netinet/in.h>

#include <sofia-sip/su_wait.h>
#include <sofia-sip/nua.h>
#include <systemd/sd-bus.h>

#include "params.h"
#include "sipd-util.h"

/* URL_STRING_MAKE() on an array warns (-Waddress); this does the same. */
static inline url_string_t *sipd_url(const char *s)
{
	return (url_string_t *)(s && *s ? s : NULL);
}

#define SIPD_BUS_NAME "org.deskphone.Sip"
#define SIPD_OBJECT_PATH "/org/deskphone/Sip"
#define SIPD_INTERFACE "org.deskphone.Sip1"

enum sipd_reg_state {
	SIPD_REG_DISABLED,
	SIPD_REG_REGISTERING,
	SIPD_REG_REGISTERED,
	SIPD_REG_FAILED,
	SIPD_REG_UNREGISTERED,
};

enum sipd_call_state {
	SIPD_CALL_IDLE,
	SIPD_CALL_RINGING,
	SIPD_CALL_DIALING,
	SIPD_CALL_ACTIVE,
	SIPD_CALL_ENDING,
};

struct sipd_reg {
	nua_handle_t *nh;		/* current registration */
	nua_handle_t *old_nh;		/* un-registering, then restart */
	enum sipd_reg_state state;
	char reason[160];
	uint32_t expires;
	unsigned int auth_tries;	/* credentials sent since a 2xx */
	unsigned int failures;		/* backoff step */
	su_timer_t *retry_timer;
	su_timer_t *restart_timer;	/* coalesces parameter changes */
	su_timer_t *unreg_timer;	/* bounds an un-REGISTER */
	su_timer_t *refresh_timer;	/* our refresh, before nua's */
	bool restart_pending;
	bool waiting_dns;		/* waits for DNS or a stack */
	char registrar[128];		/* sip:IP:port;transport=... */
	char aor[300];
	char proxy_host[256];		/* Proxy_1_ host, no port */
	char realm[128];		/* of the registrar's challenge */
	struct sockaddr_in addr;	/* the registrar's address */
	nua_handle_t *parked[4];	/* see sipd_reg_drop() */
};

#define SIPD_REG_PARKED 4

/* Call_Appearances_Per_Line: at most this many calls on the line. */
#define SIPD_CALLS_MAX 10

struct sipd_call {
	nua_handle_t *nh;		/* NULL: a free appearance */
	enum sipd_call_state state;
	bool incoming;
	bool engaged;			/* answered or dialled */
	unsigned int gen;		/* rising: age, stale replies */
	su_timer_t *ring_timer;		/* an unanswered call gives up */
	char remote[300];
	char codec[8];
	char end_reason[160];
	unsigned int auth_tries;
	char auth_line[1300];		/* credentials of the new INVITE */

	/* media: our side from audiod, the far side from its SDP */
	bool stream_asked;		/* OpenStream sent once */
	bool stream_pending;		/* OpenStream sent, no reply yet */
	bool stream_failed;		/* audiod gave no stream: no audio */
	uint32_t stream_id;
	uint16_t local_port;
	bool answer_pending;		/* Answer() waits for OpenStream */
	bool answered;			/* 200 sent, ACK not yet seen */
	bool invite_pending;		/* Dial() waits for OpenStream */
	bool stream_started;
	struct sipd_media started;	/* where StartStream sent audio */
	struct sipd_media remote_media;
	bool have_remote_media;
	bool offer_parsed;		/* by sipd_call_incoming */
	int pt;				/* payload type, -1 if none */
};

/* The foreground call's properties as last sent in PropertiesChanged. */
struct sipd_bus_shown {
	enum sipd_call_state state;
	bool incoming;
	char remote[300];
	char codec[8];
};

/* An audiod stream opened before a call needs it (audio.c). */
struct sipd_audio_spare {
	bool pending;			/* OpenStream sent */
	bool ready;
	bool watched;			/* audiod's name is watched */
	unsigned int epoch;		/* older replies are stale */
	uint32_t id;
	uint16_t port;
	char address[INET_ADDRSTRLEN];	/* it was opened for */
};

/* A request waiting for its first response (timeout.c). */
struct sipd_pending {
	nua_handle_t *nh;		/* NULL: free */
	char method[12];
	char dest[160];
	su_time_t sent;
	bool fired;			/* ResponseTimeout emitted */
	su_timer_t *timer;
};

#define SIPD_PENDING_MAX 8

struct sipd_timeouts {
	unsigned int threshold_s;	/* netd's; 0: off */
	sd_bus_slot *get_slot;
	struct sipd_pending pending[SIPD_PENDING_MAX];
};

#define SIPD_RESOLVE_MAX 4		/* addresses kept per name */

struct sipd_resolver;
struct sipd_tls;
struct sipd_auto;

struct sipd {
	su_root_t *root;
	struct sipd_resolver *resolver;
	struct sipd_tls *tls;		/* GnuTLS relay (tls.c) */
	struct sipd_auto *autotr;	/* AUTO transport lookups */
	const char *auto_transport;	/* what AUTO found: UDP, TCP, TLS */
	nua_t *nua;
	sd_bus *bus;
	struct param_store *params;

	const char *bind_addr;		/* --bind */
	unsigned int port;		/* local SIP port (UDP, TCP) */
	char *tls_dir;			/* $STATE/tls */
	char *tls_ca;			/* $STATE/tls/cafile.pem */
	char local_addr[INET_ADDRSTRLEN];	/* Contact and media address */

	/* sd-bus inside su_root */
	int bus_fd;
	int bus_index;
	su_timer_t *bus_timer;
	su_wait_t bus_wait;

	int signal_fd;
	int signal_index;
	su_wait_t signal_wait;

	struct sipd_reg reg;
	struct sipd_call calls[SIPD_CALLS_MAX];
	unsigned int call_gen;		/* the last call's gen */
	bool ring_on;			/* StartRing sent */
	struct sipd_audio_spare spare;
	struct sipd_bus_shown shown;	/* call properties last signalled */
	unsigned int calls_shown[SIPD_CALLS_MAX];	/* Calls, in short */
	bool shown_dirty;		/* a call changed since */
	su_timer_t *flush_timer;	/* one PropertiesChanged per loop */
	struct sipd_timeouts timeouts;
	char next_hop[160];		/* outbound proxy URI, "" if none */
	su_timer_t *watchdog_timer;
	su_timer_t *filter_timer;	/* filter.c refresh */
	bool filtering;			/* a socket filter is attached */
	uint64_t watchdog_usec;		/* 0: no systemd watchdog */

	bool stopping;
	bool failed;			/* exit with an error status */
	bool port_fixed;		/* --port given: SIP_Port_1_ unused */
	bool restarting;		/* new stack for a new SIP_Port_1_ */
	bool restart_wanted;		/* ... once the call is over */
	su_timer_t *stack_timer;
	bool shutdown_started;
	bool shutdown_done;
	su_timer_t *stop_timer;
	su_timer_t *stop_guard;
};

/* params.c */
extern const struct param_def sipd_param_defs[];
extern const size_t sipd_n_param_defs;

/* loop.c: sd-bus in su_root, signals */
int sipd_loop_attach_bus(struct sipd *d);
void sipd_loop_detach_bus(struct sipd *d);
void sipd_loop_rearm(struct sipd *d);
int sipd_loop_attach_signals(struct sipd *d);
void sipd_loop_detach_signals(struct sipd *d);

/* bus.c: org.deskphone.Sip1 */
int sipd_bus_add(struct sipd *d);
void sipd_bus_changed(struct sipd *d, const char *property, ...);
void sipd_bus_call_ended(struct sipd *d, const char *reason);
void sipd_bus_call_changed(struct sipd *d);
void sipd_bus_flush(struct sipd *d);
int sipd_bus_watch_net(struct sipd *d);
const char *sipd_reg_state_name(enum sipd_reg_state state);
const char *sipd_call_state_name(enum sipd_call_state state);

/* reg.c: registration of line 1 */
int sipd_reg_init(struct sipd *d);
void sipd_reg_done(struct sipd *d);
void sipd_reg_start(struct sipd *d);
void sipd_reg_schedule_restart(struct sipd *d);
void sipd_reg_event(struct sipd *d, int status, const char *phrase,
		    nua_handle_t *nh, const sip_t *sip);
bool sipd_reg_owns(struct sipd *d, nua_handle_t *nh);
int sipd_reg_stop(struct sipd *d);
int sipd_reg_contact(struct sipd *d, char *buf, size_t len);
int sipd_reg_from(struct sipd *d, char *buf, size_t len);
int sipd_reg_auth(struct sipd *d, int status, const sip_t *sip, char *buf,
		  size_t len);
int sipd_reg_apply_proxy(struct sipd *d);
void sipd_reg_resolved(struct sipd *d);
int sipd_reg_resolve(struct sipd *d, const char *value, char *url,
		     size_t len, char *host, size_t host_len,
		     struct sockaddr_in *sin);
bool sipd_reg_tls(struct sipd *d);

/* call.c: the calls of line 1 (Call_Appearances_Per_Line) */
void sipd_call_event(struct sipd *d, nua_event_t event, int status,
		     const char *phrase, nua_handle_t *nh, const sip_t *sip,
		     tagi_t tags[]);
int sipd_call_dial(struct sipd *d, const char *uri);
int sipd_call_answer(struct sipd *d);
int sipd_call_hangup(struct sipd *d);
void sipd_call_stop(struct sipd *d);
bool sipd_call_owns(struct sipd *d, nua_handle_t *nh);
bool sipd_call_any(struct sipd *d);
struct sipd_call *sipd_call_foreground(struct sipd *d);
void sipd_call_warm_domains(struct sipd *d);

/* resolve.c: names to IPv4 addresses without blocking */
int sipd_resolve_init(struct sipd *d);
void sipd_resolve_free(struct sipd *d);
int sipd_resolve(struct sipd *d, const char *host, struct in_addr *addrs,
		 size_t max);

/* auth.c: Auth_INVITE_1_ */
int sipd_auth_invite(struct sipd *d, nua_handle_t *nh, const sip_t *sip);
int sipd_auth_client(struct sipd *d, int status, const sip_t *sip,
		     const char *method, const char *uri, char *out,
		     size_t len, char *realm, size_t realm_len);

/* timeout.c: ResponseTimeout for netd's DHCP_Timeout_On_Renewal */
int sipd_timeout_init(struct sipd *d);
int sipd_timeout_watch(struct sipd *d);
void sipd_timeout_done(struct sipd *d);
void sipd_timeout_sent(struct sipd *d, nua_handle_t *nh, const char *method,
		       const char *dest);
void sipd_timeout_answered(struct sipd *d, nua_handle_t *nh,
			   const char *method);
void sipd_timeout_forget(struct sipd *d, nua_handle_t *nh);

/* tls.c: SIP over TLS through a GnuTLS relay */
struct sockaddr_in;
int sipd_tls_init(struct sipd *d);
void sipd_tls_free(struct sipd *d);
void sipd_tls_set_target(struct sipd *d, const struct sockaddr_in *addr,
			 const char *host, bool validate_name,
			 const char *ca_file);
int sipd_tls_relay_url(struct sipd *d, char *buf, size_t len);
int sipd_tls_inbound(struct sipd *d, const char *bind_addr,
		     unsigned int sip_port, const char *agent_pem);
unsigned int sipd_tls_port(struct sipd *d);
void sipd_reg_tls_failed(struct sipd *d, const char *reason);

/* filter.c: Restricted_Access_Domains below the stack */
void sipd_filter_update(struct sipd *d);
void sipd_filter_done(struct sipd *d);
bool sipd_filter_active(struct sipd *d);
int sipd_filter_allows(struct sipd *d, const struct in_addr *addr);

/* auto.c: SIP_Transport_1_=AUTO (RFC 3263 NAPTR/SRV) */
int sipd_auto_init(struct sipd *d);
void sipd_auto_free(struct sipd *d);
int sipd_auto_lookup(struct sipd *d, const char *host,
		     const char **transport, char *target, size_t len,
		     unsigned int *port);

/* audio.c: client of org.deskphone.Audio1 */
void sipd_audio_ring(struct sipd *d, bool on);
int sipd_audio_open(struct sipd *d, unsigned int gen);
void sipd_audio_start(struct sipd *d, const struct sipd_call *c);
void sipd_audio_close(struct sipd *d, uint32_t id);
void sipd_audio_refill(struct sipd *d);
int sipd_audio_take(struct sipd *d, uint32_t *id, uint16_t *port);
void sipd_audio_drop_spare(struct sipd *d);
void sipd_audio_stream_ready(struct sipd *d, unsigned int gen, int err,
			     uint32_t id, uint16_t port);

/* main.c */
void sipd_shutdown_continue(struct sipd *d);
void sipd_stack_request_restart(struct sipd *d);
void sipd_stack_continue(struct sipd *d);
