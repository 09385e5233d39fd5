/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/* False for an SDP body sofia-sip's sdp_parse() must not see. */
bool sdp_guard_ok(const char *msg, size_t len);
