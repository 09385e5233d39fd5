/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The parameter validators and the parameter file loader
 * (common/params.c), with sipd's real table and one entry of every
 * other type.
 *
 * The input is (a) a value given to every validator, (b) a parameter
 * file as found on flash, and (c) the same file with a valid CRC
 * trailer added, so that the body parser is reached at all.
 *
 * Invariants: whatever the loader keeps passes its validator again;
 * saving what was loaded and loading that gives the same values (a
 * value never changes across a reboot).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz.h"
#include "params.h"
#include "sipd.h"

static const char *const fuzz_params_modes[] = { "Auto", "Manual", NULL };

static const struct param_def fuzz_params_others[] = {
	{ .name = "Connection_Type", .type = PARAM_ENUM, .def = "Auto",
	  .choices = fuzz_params_modes },
	{ .name = "Static_IP", .type = PARAM_IPV4, .def = "",
	  .flags = PARAM_EMPTY_OK },
	{ .name = "NetMask", .type = PARAM_NETMASK, .def = "255.255.255.0" },
	{ .name = "Primary_DNS", .type = PARAM_IPV4, .def = "",
	  .flags = PARAM_EMPTY_OK },
	{ .name = "RTP_Port_Min", .type = PARAM_UINT, .def = "16384",
	  .min = 1024, .max = 65534 },
	{ .name = "Playback_Device", .type = PARAM_DEVICE, .def = "default",
	  .max = 127 },
	{ .name = "Host_Name", .type = PARAM_HOST, .def = "",
	  .flags = PARAM_EMPTY_OK, .max = 255 },
};

#define FUZZ_PARAMS_N_OTHERS \
	(sizeof(fuzz_params_others) / sizeof(fuzz_params_others[0]))

static struct param_def fuzz_params_defs[64];
static size_t fuzz_params_n;
static char fuzz_params_path[4096];

static uint32_t fuzz_params_crc32(const uint8_t *buf, size_t len)
{
	uint32_t crc = 0xffffffffu;
	size_t i;
	int k;

	for (i = 0; i < len; i++) {
		crc ^= buf[i];
		for (k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0xedb88320u & -(crc & 1));
	}

	return ~crc;
}

static char fuzz_params_dir[64];

static void fuzz_params_cleanup(void)
{
	char tmp[4200];

	unlink(fuzz_params_path);
	snprintf(tmp, sizeof(tmp), "%s.tmp", fuzz_params_path);
	unlink(tmp);
	rmdir(fuzz_params_dir);
}

static void fuzz_params_setup(void)
{
	size_t i;

	if (fuzz_params_n)
		return;

	for (i = 0; i < sipd_n_param_defs; i++)
		fuzz_params_defs[fuzz_params_n++] = sipd_param_defs[i];
	for (i = 0; i < FUZZ_PARAMS_N_OTHERS; i++)
		fuzz_params_defs[fuzz_params_n++] = fuzz_params_others[i];

	/* Memory-backed when possible: every save does fsync. */
	snprintf(fuzz_params_dir, sizeof(fuzz_params_dir), "%s",
		 access("/dev/shm", W_OK) == 0 ? "/dev/shm/fuzz-params.XXXXXX" :
						 "/tmp/fuzz-params.XXXXXX");
	if (!mkdtemp(fuzz_params_dir))
		abort();
	snprintf(fuzz_params_path, sizeof(fuzz_params_path), "%s/p.conf",
		 fuzz_params_dir);
	atexit(fuzz_params_cleanup);
}

static void fuzz_params_write(const uint8_t *data, size_t size,
			      bool trailer)
{
	char line[32];
	FILE *f = fopen(fuzz_params_path, "wb");

	if (!f)
		abort();

	fwrite(data, 1, size, f);
	if (trailer) {
		snprintf(line, sizeof(line), "#end crc32=%08" PRIx32 "\n",
			 fuzz_params_crc32(data, size));
		fputs(line, f);
	}

	if (fclose(f) != 0)
		abort();
}

static void fuzz_params_load(const uint8_t *data, size_t size, bool trailer)
{
	struct param_store *a = NULL, *b = NULL;
	char reason[256];
	size_t i;

	fuzz_params_write(data, size, trailer);
	if (param_store_new(&a, fuzz_params_defs, fuzz_params_n,
			    fuzz_params_path) < 0)
		abort();

	if (param_store_load(a) < 0)
		goto out;

	for (i = 0; i < fuzz_params_n; i++) {
		const char *v = param_store_get(a, fuzz_params_defs[i].name);

		if (!v || param_validate(&fuzz_params_defs[i], v, reason,
					 sizeof(reason)) < 0)
			abort();
	}

	/* What was loaded survives a save and a load unchanged. */
	if (param_store_save(a) < 0 ||
	    param_store_new(&b, fuzz_params_defs, fuzz_params_n,
			    fuzz_params_path) < 0 ||
	    param_store_load(b) < 0)
		abort();

	for (i = 0; i < fuzz_params_n; i++)
		if (strcmp(param_store_get(a, fuzz_params_defs[i].name),
			   param_store_get(b, fuzz_params_defs[i].name)))
			abort();

	param_store_free(b);
out:
	param_store_free(a);
}

static void fuzz_params_validate(const uint8_t *data, size_t size)
{
	char *value = fuzz_strndup(data, size, PARAM_VALUE_MAX + 16);
	char reason[256];
	size_t i;

	for (i = 0; i < fuzz_params_n; i++) {
		int r;

		reason[0] = '\0';
		r = param_validate(&fuzz_params_defs[i], value, reason,
				   sizeof(reason));
		/* a refusal always says why */
		if (r < 0 && (r != -EINVAL || !reason[0]))
			abort();
		if (r > 0)
			abort();
	}

	free(value);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_quiet("fuzz-params");
	fuzz_params_setup();

	fuzz_params_validate(data, size);
	fuzz_params_load(data, size, false);
	fuzz_params_load(data, size, true);
	return 0;
}
