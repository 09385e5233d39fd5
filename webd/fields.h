/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "params.h"

/*
 * What webd knows about the settings it shows: where each goes (System,
 * SIP or Ext n page, which section, basic or advanced view), its label
 * and its validator.  The owning daemons stay the authority: a field is
 * shown only when its owner's List() has it, and a parameter an owner
 * has that is not known here is still shown, on the page its owner and
 * name point to, checked only as text.
 */
enum fields_page {
	FIELDS_SYSTEM,
	FIELDS_SIP,
	FIELDS_EXT,
};

#define FIELDS_EXT_MAX 4		/* Ext 1 .. Ext 4 */
#define FIELDS_NAME_MAX 63

struct fields_known {
	const char *name;		/* "Proxy_1_"; Ext: "Proxy_%u_" */
	const char *label;
	const char *owner;		/* "sipd", "netd", "audiod" */
	const char *section;
	enum fields_page page;
	bool basic;			/* also in the basic view */
	const char *show_when;		/* Connection_Type value, or NULL */
	struct param_def def;		/* validator; def.name unused */
};

/* One field of one page, as resolved for a request. */
struct fields_item {
	char name[FIELDS_NAME_MAX + 1];
	char label[96];
	const struct fields_known *known;	/* NULL: owner's own extra */
};

/* "Proxy_%u_" with 1 -> "Proxy_1_"; names without %u are copied. */
void fields_expand(const char *name, unsigned int ext, char *buf,
		   size_t len);

size_t fields_known_count(void);
const struct fields_known *fields_known_at(size_t i);

/* Settings shown read-only to every account (device-local paths). */
bool fields_locked(const char *name);

/* The Ext number of a "Name_<n>_" parameter, else 0. */
unsigned int fields_ext_of(const char *name);

/* Names made only of [A-Za-z0-9_], 1..63 long: safe in markup and ids. */
bool fields_name_ok(const char *name);

/* The known field for @name (Ext templates matched), or NULL. */
const struct fields_known *fields_lookup(const char *name);

/*
 * The page an extra (unknown) parameter of @owner goes to; *ext gets its
 * Ext number when it is FIELDS_EXT.
 */
enum fields_page fields_page_of_extra(const char *owner, const char *name,
				      unsigned int *ext);

/* "DHCP_Timeout_on_Renewal" -> "DHCP Timeout on Renewal" */
void fields_label_from_name(const char *name, char *buf, size_t len);

/*
 * The validator for @item: the known definition, or for an extra one a
 * plain check from the type List() gave ("uint", anything else: text).
 */
void fields_def_for(const struct fields_item *item, const char *type,
		    struct param_def *out);

/*
 * Every name the user access table covers: known fields, Ext ones for
 * 1..FIELDS_EXT_MAX.  Sets *n; the array and names are static.
 */
const char *const *fields_access_names(size_t *n);
