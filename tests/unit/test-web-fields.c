/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fields.h"

#include "check.h"

static void test_names(void)
{
	char buf[FIELDS_NAME_MAX + 1];

	CHECK(fields_ext_of("Proxy_1_") == 1);
	CHECK(fields_ext_of("Proxy_12_") == 12);
	CHECK(fields_ext_of("Proxy_0_") == 0);
	CHECK(fields_ext_of("Proxy_01_") == 0);
	CHECK(fields_ext_of("Proxy_1") == 0);
	CHECK(fields_ext_of("_1_") == 0);
	CHECK(fields_ext_of("Proxy__") == 0);
	CHECK(fields_ext_of("Connection_Type") == 0);
	CHECK(fields_ext_of("X_100_") == 0);

	CHECK(fields_name_ok("Proxy_1_"));
	CHECK(!fields_name_ok(""));
	CHECK(!fields_name_ok("a\"b"));
	CHECK(!fields_name_ok("<script>"));
	CHECK(!fields_name_ok("a b"));
	memset(buf, 'a', FIELDS_NAME_MAX);
	buf[FIELDS_NAME_MAX] = '\0';
	CHECK(fields_name_ok(buf));

	fields_expand("Proxy_%u_", 3, buf, sizeof(buf));
	CHECK(strcmp(buf, "Proxy_3_") == 0);
	fields_expand("NetMask", 3, buf, sizeof(buf));
	CHECK(strcmp(buf, "NetMask") == 0);

	fields_label_from_name("DHCP_Timeout_on_Renewal", buf, sizeof(buf));
	CHECK(strcmp(buf, "DHCP Timeout on Renewal") == 0);
	fields_label_from_name("Foo_2_", buf, sizeof(buf));
	CHECK(strcmp(buf, "Foo 2") == 0);
	fields_label_from_name("Long_Name", buf, 5);
	CHECK(strcmp(buf, "Long") == 0);
}

static void test_lookup(void)
{
	const struct fields_known *k;
	unsigned int ext;

	k = fields_lookup("Proxy_2_");
	CHECK(k && k->page == FIELDS_EXT && strcmp(k->owner, "sipd") == 0);
	k = fields_lookup("Static_IP");
	CHECK(k && k->page == FIELDS_SYSTEM && k->show_when &&
	      strcmp(k->show_when, "Static IP") == 0);
	CHECK(fields_lookup("Connection_Type")->show_when == NULL);
	CHECK(fields_lookup("Proxy_") == NULL);
	CHECK(fields_lookup("Static_IP_1_") == NULL);
	CHECK(fields_lookup("Nothing") == NULL);

	CHECK(fields_page_of_extra("sipd", "Foo_2_", &ext) == FIELDS_EXT &&
	      ext == 2);
	CHECK(fields_page_of_extra("sipd", "Max_Forward", &ext) ==
	      FIELDS_SIP && ext == 0);
	CHECK(fields_page_of_extra("netd", "DHCP_Thing", &ext) ==
	      FIELDS_SYSTEM);
	CHECK(fields_page_of_extra("netd", "Odd_1_", &ext) == FIELDS_SYSTEM &&
	      ext == 0);
	CHECK(fields_page_of_extra("audiod", "Jitter", &ext) == FIELDS_SIP);

	CHECK(fields_locked("Resolv_Conf_Path"));
	CHECK(!fields_locked("Proxy_1_"));
	CHECK(fields_lookup("DHCP_Timeout_On_Renewal")->show_when != NULL);
}

static void test_validators(void)
{
	struct fields_item item = { .known = NULL };
	struct param_def def;
	char reason[128];

	/* Known: the table's limits. */
	snprintf(item.name, sizeof(item.name), "Display_Name_1_");
	item.known = fields_lookup(item.name);
	fields_def_for(&item, "text", &def);
	CHECK(param_validate(&def, "Front Desk", reason, sizeof(reason)) == 0);
	CHECK(param_validate(&def, "a\nb", reason, sizeof(reason)) < 0);
	{
		char long_name[70];

		memset(long_name, 'x', 64);
		long_name[64] = '\0';
		CHECK(param_validate(&def, long_name, reason,
				     sizeof(reason)) < 0);
	}

	snprintf(item.name, sizeof(item.name), "NetMask");
	item.known = fields_lookup(item.name);
	fields_def_for(&item, "netmask", &def);
	CHECK(param_validate(&def, "255.255.255.0", reason,
			     sizeof(reason)) == 0);
	CHECK(param_validate(&def, "255.0.255.0", reason,
			     sizeof(reason)) < 0);
	CHECK(param_validate(&def, "", reason, sizeof(reason)) == 0);

	snprintf(item.name, sizeof(item.name), "SIP_Transport_1_");
	item.known = fields_lookup(item.name);
	fields_def_for(&item, "enum", &def);
	CHECK(param_validate(&def, "TLS", reason, sizeof(reason)) == 0);
	CHECK(param_validate(&def, "SCTP", reason, sizeof(reason)) < 0);

	/* Extra: only what the type says for sure. */
	snprintf(item.name, sizeof(item.name), "Max_Forward");
	item.known = NULL;
	fields_def_for(&item, "uint", &def);
	CHECK(param_validate(&def, "70", reason, sizeof(reason)) == 0);
	CHECK(param_validate(&def, "-1", reason, sizeof(reason)) < 0);
	CHECK(param_validate(&def, "", reason, sizeof(reason)) < 0);
	fields_def_for(&item, "text", &def);
	CHECK(param_validate(&def, "", reason, sizeof(reason)) == 0);
	CHECK(param_validate(&def, "x\ty", reason, sizeof(reason)) < 0);
}

static void test_access_names(void)
{
	const char *const *names;
	size_t n, i, ext1 = 0;

	names = fields_access_names(&n);
	CHECK(n > FIELDS_EXT_MAX);
	for (i = 0; i < n; i++) {
		CHECK(fields_name_ok(names[i]));
		CHECK(fields_lookup(names[i]) != NULL);
		if (strcmp(names[i], "Proxy_1_") == 0 ||
		    strcmp(names[i], "Proxy_4_") == 0)
			ext1++;
		CHECK(strcmp(names[i], "Proxy_5_") != 0);
		/* webd's own settings are never opened to the user */
		CHECK(strcmp(names[i], "Web_Plain_HTTP") != 0);
	}
	CHECK(ext1 == 2);
	CHECK(fields_access_names(&i) == names && i == n);
}

int main(void)
{
	test_names();
	test_lookup();
	test_validators();
	test_access_names();

	if (failures)
		fprintf(stderr, "%d check(s) failed\n", failures);
	return failures ? EXIT_FAILURE : EXIT_SUCCESS;
}
