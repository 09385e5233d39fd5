/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <systemd/sd-bus.h>

#include "params.h"

/*
 * D-Bus conventions shared by the daemons.  Names: org.deskphone.<Part>,
 * object /org/deskphone/<Part>, versioned interfaces
 * org.deskphone.<Part>1 and org.deskphone.Parameters1 on every daemon.
 */
#define BUS_NAME_PREFIX "org.deskphone."
#define BUS_PARAMETERS_INTERFACE "org.deskphone.Parameters1"

/* Error names: one per failure class, mapped from -errno in bus.c. */
#define BUS_ERROR_INVALID_ARGS  "org.deskphone.Error.InvalidArguments"
#define BUS_ERROR_INVALID_VALUE "org.deskphone.Error.InvalidValue"
#define BUS_ERROR_UNKNOWN_PARAM "org.deskphone.Error.UnknownParameter"
#define BUS_ERROR_NOT_FOUND     "org.deskphone.Error.NotFound"
#define BUS_ERROR_BUSY          "org.deskphone.Error.Busy"
#define BUS_ERROR_NOT_READY     "org.deskphone.Error.NotReady"
#define BUS_ERROR_NOT_SUPPORTED "org.deskphone.Error.NotSupported"
#define BUS_ERROR_DENIED        "org.deskphone.Error.PermissionDenied"
#define BUS_ERROR_TIMEOUT       "org.deskphone.Error.Timeout"
#define BUS_ERROR_FAILED        "org.deskphone.Error.Failed"

/*
 * Opens the system bus (honouring DBUS_SYSTEM_BUS_ADDRESS) and, when
 * @name is not NULL, requests it.
 */
int bus_open(sd_bus **out, const char *name);

/* Fills @error from -errno @err; the message says what failed. */
__attribute__((format(printf, 3, 4)))
int bus_error_set_errno(sd_bus_error *error, int err, const char *fmt, ...);
const char *bus_error_name_from_errno(int err);

/*
 * Serves org.deskphone.Parameters1 for @store at @path:
 *   Get(s name) -> s          secrets read back as ""
 *   Set(s name, s value)
 *   SetMany(a{ss} values)     all or nothing
 *   List() -> a(sssss)        name, type, value, default, flags
 *   signal Changed(a{ss})     secrets as ""
 * The store's changed callback is chained: @changed runs after the
 * signal is queued.
 */
int bus_parameters_add(sd_bus *bus, const char *path,
		       struct param_store *store,
		       param_changed_func_t changed, void *user_data);
