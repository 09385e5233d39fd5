/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "sipd.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/signalfd.h>

#include "log.h"

/*
 * sd-bus runs inside su_root: its fd is registered with the root, its
 * timeout is one su_timer, and the wanted poll events are refreshed
 * before every poll (prepoll) and after anything that may queue output.
 * nua callbacks run after the prepoll, so code that emits a signal or
 * replies from one calls sipd_loop_rearm() itself.
 */

static uint64_t sipd_loop_now_usec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static void sipd_loop_process(struct sipd *d)
{
	int r;

	do {
		r = sd_bus_process(d->bus, NULL);
	} while (r > 0);

	if (r < 0 && r != -ECONNRESET)
		log_err("Failed to process D-Bus messages: %s", strerror(-r));

	if (r == -ECONNRESET || r == -ENOTCONN) {
		log_err("Lost the bus connection, stopping");
		d->failed = true;
		su_root_break(d->root);
	}
}

static void sipd_loop_bus_timer_cb(struct sipd *d, su_timer_t *t, void *arg)
{
	sipd_loop_process(d);
	sipd_loop_rearm(d);
}

void sipd_loop_rearm(struct sipd *d)
{
	uint64_t usec, now;
	int events;

	if (!d->bus || d->bus_index <= 0)
		return;

	events = sd_bus_get_events(d->bus);
	if (events < 0)
		events = 0;

	su_root_eventmask(d->root, d->bus_index, d->bus_fd,
			  events | SU_WAIT_IN);

	if (sd_bus_get_timeout(d->bus, &usec) < 0 || usec == UINT64_MAX) {
		su_timer_reset(d->bus_timer);
		return;
	}

	now = sipd_loop_now_usec();
	su_timer_set_interval(d->bus_timer, sipd_loop_bus_timer_cb, NULL,
			      usec > now ? (su_duration_t)((usec - now +
							    999) / 1000) : 0);
}

static int sipd_loop_bus_io_cb(struct sipd *d, su_wait_t *w, void *arg)
{
	su_wait_events(w, d->bus_fd);
	sipd_loop_process(d);
	sipd_loop_rearm(d);
	return 0;
}

static void sipd_loop_prepoll_cb(struct sipd *d, su_root_t *root)
{
	sipd_loop_rearm(d);
}

int sipd_loop_attach_bus(struct sipd *d)
{
	int r;

	d->bus_fd = sd_bus_get_fd(d->bus);
	if (d->bus_fd < 0) {
		log_err("Failed to get the bus fd: %s", strerror(-d->bus_fd));
		return d->bus_fd;
	}

	if (su_wait_create(&d->bus_wait, d->bus_fd, SU_WAIT_IN) < 0)
		return -errno;

	d->bus_index = su_root_register(d->root, &d->bus_wait,
					sipd_loop_bus_io_cb, NULL, 0);
	if (d->bus_index <= 0) {
		su_wait_destroy(&d->bus_wait);
		log_err("Failed to add the bus to the event loop");
		return -ENOMEM;
	}

	d->bus_timer = su_timer_create(su_root_task(d->root), 0);
	if (!d->bus_timer)
		return -ENOMEM;

	r = su_root_add_prepoll(d->root, sipd_loop_prepoll_cb, d);
	if (r < 0) {
		log_err("Failed to add the bus prepoll hook");
		return -EBUSY;
	}

	return 0;
}

void sipd_loop_detach_bus(struct sipd *d)
{
	if (d->bus_index > 0) {
		su_root_remove_prepoll(d->root);
		su_root_deregister(d->root, d->bus_index);
		d->bus_index = 0;
	}

	su_timer_destroy(d->bus_timer);
	d->bus_timer = NULL;
}

static int sipd_loop_signal_cb(struct sipd *d, su_wait_t *w, void *arg)
{
	struct signalfd_siginfo si;
	ssize_t n;

	su_wait_events(w, d->signal_fd);

	n = read(d->signal_fd, &si, sizeof(si));
	if (n != (ssize_t)sizeof(si))
		return 0;

	if (d->stopping) {
		log_notice("Second signal %u, exiting now", si.ssi_signo);
		su_root_break(d->root);
		return 0;
	}

	log_info("Received signal %u, shutting down", si.ssi_signo);
	sipd_shutdown_continue(d);
	return 0;
}

int sipd_loop_attach_signals(struct sipd *d)
{
	sigset_t mask;

	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);

	if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0)
		return -errno;

	d->signal_fd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	if (d->signal_fd < 0) {
		int err = errno;

		log_err("Failed to create a signalfd: %s", strerror(err));
		return -err;
	}

	if (su_wait_create(&d->signal_wait, d->signal_fd, SU_WAIT_IN) < 0)
		return -errno;

	d->signal_index = su_root_register(d->root, &d->signal_wait,
					   sipd_loop_signal_cb, NULL, 0);
	if (d->signal_index <= 0)
		return -ENOMEM;

	return 0;
}

void sipd_loop_detach_signals(struct sipd *d)
{
	if (d->signal_index > 0)
		su_root_deregister(d->root, d->signal_index);

	d->signal_index = 0;
	if (d->signal_fd >= 0)
		close(d->signal_fd);

	d->signal_fd = -1;
}
