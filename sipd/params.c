/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "sipd.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

/*
 * Line 1 settings, under the names of the Cisco MPP configuration.  The
 * types in common/params.c do the general checks; the functions here
 * add what only SIP cares about.
 */

static const char *const sipd_param_transports[] = {
	"UDP", "TCP", "TLS", "AUTO", NULL
};

/* A display name is sent quoted, so a quote or backslash would break out. */
static int sipd_param_display_name(const struct param_def *def,
				   const char *value, char *reason,
				   size_t reason_len)
{
	if (strpbrk(value, "\"\\")) {
		snprintf(reason, reason_len,
			 "must not contain '\"' or '\\'");
		return -EINVAL;
	}

	return 0;
}

/* The password goes into "scheme:realm:user:password" for nua. */
static int sipd_param_password(const struct param_def *def,
			       const char *value, char *reason,
			       size_t reason_len)
{
	const char *s;

	for (s = value; *s; s++) {
		if ((unsigned char)*s < ' ' || *s == 0x7f) {
			snprintf(reason, reason_len,
				 "must not contain control characters");
			return -EINVAL;
		}
	}

	return 0;
}

/* An absolute path, or empty. */
static int sipd_param_path(const struct param_def *def, const char *value,
			   char *reason, size_t reason_len)
{
	if (*value && *value != '/') {
		snprintf(reason, reason_len, "must be an absolute path");
		return -EINVAL;
	}

	return 0;
}

const struct param_def sipd_param_defs[] = {
	{
		.name = "Line_Enable_1_", .type = PARAM_BOOL, .def = "Yes",
		.label = "Line enable",
	}, {
		.name = "Proxy_1_", .type = PARAM_HOST, .def = "",
		.flags = PARAM_EMPTY_OK, .max = 255,
		.label = "Proxy (registrar), host[:port]",
	}, {
		.name = "Outbound_Proxy_1_", .type = PARAM_HOST, .def = "",
		.flags = PARAM_EMPTY_OK, .max = 255,
		.label = "Outbound proxy, host[:port]",
	}, {
		.name = "User_ID_1_", .type = PARAM_SIP_USER, .def = "",
		.flags = PARAM_EMPTY_OK, .max = 64,
		.label = "User ID",
	}, {
		.name = "Auth_ID_1_", .type = PARAM_SIP_USER, .def = "",
		.flags = PARAM_EMPTY_OK, .max = 64,
		.label = "Auth ID (empty: User ID)",
	}, {
		.name = "Password_1_", .type = PARAM_TEXT, .def = "",
		.flags = PARAM_SECRET | PARAM_EMPTY_OK, .max = 127,
		.validate = sipd_param_password,
		.label = "Password",
	}, {
		.name = "Display_Name_1_", .type = PARAM_TEXT, .def = "",
		.flags = PARAM_EMPTY_OK, .max = 63,
		.validate = sipd_param_display_name,
		.label = "Display name",
	}, {
		.name = "Auth_INVITE_1_", .type = PARAM_BOOL, .def = "No",
		.label = "Authenticate incoming INVITE",
	}, {
		/* no MPP name for this per line: ours, for test benches */
		.name = "Auto_Answer_1_", .type = PARAM_BOOL, .def = "No",
		.label = "Answer incoming calls at once (no ringing)",
	}, {
		/* Cisco MPP's name; a call beyond these gets 486 */
		.name = "Call_Appearances_Per_Line", .type = PARAM_UINT,
		.def = "2", .min = 1, .max = SIPD_CALLS_MAX,
		.label = "Calls on the line at once (others get 486)",
	}, {
		.name = "SIP_Transport_1_", .type = PARAM_ENUM, .def = "UDP",
		.choices = sipd_param_transports,
		.label = "SIP transport",
	}, {
		.name = "TLS_Name_Validate_1_", .type = PARAM_BOOL,
		.def = "Yes",
		.label = "Check the TLS server's name against its certificate",
	}, {
		/* trusted in addition to the system store */
		.name = "TLS_CA_File", .type = PARAM_TEXT, .def = "",
		.flags = PARAM_EMPTY_OK, .max = 255,
		.validate = sipd_param_path,
		.label = "Custom CA file (PEM; empty: $STATE/tls/cafile.pem)",
	}, {
		.name = "Register_Expires_1_", .type = PARAM_UINT,
		.def = "3600", .min = 10, .max = 604800,
		.label = "Register expires (s)",
	}, {
		.name = "Restricted_Access_Domains", .type = PARAM_DOMAIN_LIST,
		.def = "", .flags = PARAM_EMPTY_OK, .max = 511,
		.label = "Restricted access domains",
	}, {
		.name = "SIP_Port_1_", .type = PARAM_UINT, .def = "5060",
		.min = 1, .max = 65535,
		.label = "Local SIP port",
	},
};

const size_t sipd_n_param_defs =
	sizeof(sipd_param_defs) / sizeof(sipd_param_defs[0]);
