/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * tone-tool: make and check test tones for the audio tests.
 *
 *   tone-tool gen FREQ SECONDS OUT [--ulaw] [--freq2 HZ] [--amplitude A]
 *       Writes an 8000 Hz mono tone.  OUT ending in ".wav" gets a WAV
 *       header, anything else is headerless.  Samples are S16LE, or
 *       G.711 mu-law bytes with --ulaw (WAV format 7 in a .wav).
 *       FREQ 0 writes silence.  A (peak of each tone, 0..32767)
 *       defaults to 10000.
 *
 *   tone-tool detect FILE [options]
 *       Prints "frequency=HZ rms=LEVEL" (plus " peaks=HZ,HZ,..." with
 *       --peaks N): the strongest frequency between 50 and 4000 Hz in
 *       10 Hz steps, and the RMS level in 16-bit units (0..32767).
 *
 *   tone-tool expect FILE FREQ [--tolerance HZ] [--min-rms LEVEL] [options]
 *       Exit 0 when the strongest frequency is within HZ (default 15)
 *       of FREQ and the RMS level is at least LEVEL (default 100);
 *       exit 1 otherwise.  Prints what it found either way.
 *
 * Options of detect and expect:
 *   --skip SECONDS   ignore the start of the file
 *   --seconds N      analyse at most N seconds after the skip
 *   --last N         analyse only the last N seconds (after the above)
 *   --rate HZ        sample rate of a raw file (default 8000)
 *   --ulaw           a raw file holds mu-law bytes, not S16LE
 *   --peaks N        (detect) also list the N strongest local peaks
 *
 * WAV input: the fmt chunk decides the rate, channel count (channels
 * are averaged) and coding: PCM 8/16/24/32 bit, float32, A-law,
 * mu-law, and WAVE_FORMAT_EXTENSIBLE.  A data chunk whose size is 0 or
 * runs past the end (a recording cut short) is read to the end.
 *
 * Exit status: 0 success, 1 expectation not met, 2 bad usage or file.
 */
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "g711.h"
#include "tone.h"

#define TT_RATE 8000
#define TT_FREQ_MIN 50
#define TT_FREQ_MAX 4000
#define TT_FREQ_STEP 10

struct tt_options {
	double skip;
	double seconds;
	double last;
	unsigned int rate;
	bool ulaw;
	unsigned int peaks;
	double tolerance;
	double min_rms;
	double freq2;
	double amplitude;
};

struct tt_audio {
	float *samples;		/* mono, -1.0 .. 1.0 */
	size_t n;
	unsigned int rate;
};

enum tt_coding { TT_PCM, TT_FLOAT, TT_ALAW, TT_ULAW };

struct tt_format {
	enum tt_coding coding;
	unsigned int channels;
	unsigned int rate;
	unsigned int bits;
};

static int tt_usage(void)
{
	fprintf(stderr,
		"usage: tone-tool gen FREQ SECONDS OUT[.wav] [--ulaw] "
		"[--freq2 HZ] [--amplitude A]\n"
		"       tone-tool detect FILE [--skip S] [--seconds N] "
		"[--last N] [--rate HZ] [--ulaw] [--peaks N]\n"
		"       tone-tool expect FILE FREQ [--tolerance HZ] "
		"[--min-rms LEVEL] [--skip S] [--seconds N] [--last N] "
		"[--rate HZ] [--ulaw]\n");
	return 2;
}

static bool tt_number(const char *s, double *out)
{
	char *end;

	errno = 0;
	*out = strtod(s, &end);
	return errno == 0 && end != s && *end == '\0' && isfinite(*out);
}

/* Parses the options after the positional arguments; false on error. */
static bool tt_parse_options(int argc, char **argv, struct tt_options *o)
{
	double v;
	int i;

	for (i = 0; i < argc; i++) {
		const char *opt = argv[i];

		if (strcmp(opt, "--ulaw") == 0) {
			o->ulaw = true;
			continue;
		}

		if (i + 1 >= argc || !tt_number(argv[i + 1], &v) || v < 0) {
			fprintf(stderr, "tone-tool: %s needs a number >= 0\n",
				opt);
			return false;
		}
		i++;

		if (strcmp(opt, "--skip") == 0)
			o->skip = v;
		else if (strcmp(opt, "--seconds") == 0)
			o->seconds = v;
		else if (strcmp(opt, "--last") == 0)
			o->last = v;
		else if (strcmp(opt, "--rate") == 0 && v >= 1000 && v <= 384000)
			o->rate = (unsigned int)v;
		else if (strcmp(opt, "--peaks") == 0 && v >= 1 && v <= 20)
			o->peaks = (unsigned int)v;
		else if (strcmp(opt, "--tolerance") == 0)
			o->tolerance = v;
		else if (strcmp(opt, "--min-rms") == 0)
			o->min_rms = v;
		else if (strcmp(opt, "--freq2") == 0)
			o->freq2 = v;
		else if (strcmp(opt, "--amplitude") == 0 && v <= 32767)
			o->amplitude = v;
		else {
			fprintf(stderr, "tone-tool: bad option %s %s\n", opt,
				argv[i]);
			return false;
		}
	}

	return true;
}

static void tt_put16(uint8_t *p, unsigned int v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void tt_put32(uint8_t *p, uint32_t v)
{
	tt_put16(p, v & 0xFFFF);
	tt_put16(p + 2, v >> 16);
}

static uint32_t tt_get32(const uint8_t *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

static unsigned int tt_get16(const uint8_t *p)
{
	return p[0] | p[1] << 8;
}

static void tt_wav_header(uint8_t *h, uint32_t data_len, bool ulaw)
{
	unsigned int width = ulaw ? 1 : 2;

	memcpy(h, "RIFF", 4);
	tt_put32(h + 4, 36 + data_len);
	memcpy(h + 8, "WAVEfmt ", 8);
	tt_put32(h + 16, 16);
	tt_put16(h + 20, ulaw ? 7 : 1);
	tt_put16(h + 22, 1);
	tt_put32(h + 24, TT_RATE);
	tt_put32(h + 28, TT_RATE * width);
	tt_put16(h + 32, width);
	tt_put16(h + 34, width * 8);
	memcpy(h + 36, "data", 4);
	tt_put32(h + 40, data_len);
}

static bool tt_ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);

	return a >= b && strcmp(s + a - b, suffix) == 0;
}

static int tt_write_samples(FILE *f, struct tone *t, size_t n, bool ulaw)
{
	int16_t buf[800];
	uint8_t out[1600];
	size_t chunk, i, len;

	while (n) {
		chunk = n < 800 ? n : 800;
		tone_fill(t, buf, chunk);

		if (ulaw) {
			g711_ulaw_encode_buf(out, buf, chunk);
			len = chunk;
		} else {
			for (i = 0; i < chunk; i++)
				tt_put16(out + 2 * i, (uint16_t)buf[i]);
			len = chunk * 2;
		}

		if (fwrite(out, 1, len, f) != len)
			return -EIO;
		n -= chunk;
	}

	return 0;
}

static int tt_gen(int argc, char **argv)
{
	struct tt_options o = { .amplitude = 10000 };
	double freq, seconds;
	uint8_t header[44];
	struct tone t;
	size_t n;
	FILE *f;
	int r;

	if (argc < 3 || !tt_number(argv[0], &freq) ||
	    !tt_number(argv[1], &seconds) || freq < 0 || freq >= TT_RATE / 2 ||
	    seconds < 0 || seconds > 3600)
		return tt_usage();

	if (!tt_parse_options(argc - 3, argv + 3, &o))
		return 2;

	n = (size_t)(seconds * TT_RATE);
	tone_init(&t, TT_RATE, freq, o.freq2, freq ? o.amplitude : 0, 0, 0);

	f = fopen(argv[2], "wb");
	if (!f) {
		fprintf(stderr, "tone-tool: %s: %s\n", argv[2],
			strerror(errno));
		return 2;
	}

	r = 0;
	if (tt_ends_with(argv[2], ".wav")) {
		tt_wav_header(header, (uint32_t)(n * (o.ulaw ? 1 : 2)), o.ulaw);
		if (fwrite(header, 1, sizeof(header), f) != sizeof(header))
			r = -EIO;
	}

	if (r == 0)
		r = tt_write_samples(f, &t, n, o.ulaw);
	if (fclose(f) != 0)
		r = -EIO;

	if (r < 0) {
		fprintf(stderr, "tone-tool: writing %s failed\n", argv[2]);
		return 2;
	}

	return 0;
}

static int tt_read_file(const char *path, uint8_t **out, size_t *len)
{
	uint8_t *buf = NULL, *tmp;
	size_t cap = 0, n = 0, got;
	FILE *f;

	f = fopen(path, "rb");
	if (!f)
		return -errno;

	for (;;) {
		if (n == cap) {
			cap = cap ? cap * 2 : 65536;
			tmp = realloc(buf, cap);
			if (!tmp) {
				free(buf);
				fclose(f);
				return -ENOMEM;
			}
			buf = tmp;
		}

		got = fread(buf + n, 1, cap - n, f);
		n += got;
		if (got == 0)
			break;
	}

	if (ferror(f)) {
		free(buf);
		fclose(f);
		return -EIO;
	}

	fclose(f);
	*out = buf;
	*len = n;
	return 0;
}

static int tt_parse_fmt(const uint8_t *p, size_t len, struct tt_format *fmt)
{
	unsigned int tag;

	if (len < 16)
		return -EBADMSG;

	tag = tt_get16(p);
	fmt->channels = tt_get16(p + 2);
	fmt->rate = tt_get32(p + 4);
	fmt->bits = tt_get16(p + 14);

	/* WAVE_FORMAT_EXTENSIBLE: the real tag opens the sub-format GUID. */
	if (tag == 0xFFFE) {
		if (len < 26)
			return -EBADMSG;
		tag = tt_get16(p + 24);
	}

	if (tag == 1 && (fmt->bits == 8 || fmt->bits == 16 ||
			 fmt->bits == 24 || fmt->bits == 32))
		fmt->coding = TT_PCM;
	else if (tag == 3 && fmt->bits == 32)
		fmt->coding = TT_FLOAT;
	else if (tag == 6 && fmt->bits == 8)
		fmt->coding = TT_ALAW;
	else if (tag == 7 && fmt->bits == 8)
		fmt->coding = TT_ULAW;
	else
		return -EOPNOTSUPP;

	if (fmt->channels < 1 || fmt->channels > 32 || fmt->rate < 1000 ||
	    fmt->rate > 384000)
		return -EOPNOTSUPP;

	return 0;
}

/* Finds fmt and data; @data and @data_len point into @buf. */
static int tt_parse_wav(const uint8_t *buf, size_t len, struct tt_format *fmt,
			const uint8_t **data, size_t *data_len)
{
	size_t off = 12, size;
	bool have_fmt = false;
	int r;

	while (len - off >= 8) {
		size = tt_get32(buf + off + 4);
		off += 8;

		if (memcmp(buf + off - 8, "data", 4) == 0) {
			if (!have_fmt)
				return -EBADMSG;
			/* Size 0 or too big: the writer never fixed it up. */
			if (size == 0 || size > len - off)
				size = len - off;
			*data = buf + off;
			*data_len = size;
			return 0;
		}

		if (size > len - off)
			return -EBADMSG;

		if (memcmp(buf + off - 8, "fmt ", 4) == 0) {
			r = tt_parse_fmt(buf + off, size, fmt);
			if (r < 0)
				return r;
			have_fmt = true;
		}

		off += size + (size & 1);
		if (off > len)
			return -EBADMSG;
	}

	return -EBADMSG;
}

static double tt_sample(const uint8_t *p, const struct tt_format *fmt)
{
	int32_t v;
	float f;

	switch (fmt->coding) {
	case TT_ALAW:
		return g711_alaw_decode(*p) / 32768.0;
	case TT_ULAW:
		return g711_ulaw_decode(*p) / 32768.0;
	case TT_FLOAT:
		memcpy(&f, p, 4);	/* the test hosts are little endian */
		return f;
	case TT_PCM:
		break;
	}

	switch (fmt->bits) {
	case 8:
		return (p[0] - 128) / 128.0;
	case 16:
		return (int16_t)tt_get16(p) / 32768.0;
	case 24:
		v = (int32_t)((uint32_t)tt_get16(p) << 8 |
			      (uint32_t)p[2] << 24) >> 8;
		return v / 8388608.0;
	default:
		return (int32_t)tt_get32(p) / 2147483648.0;
	}
}

static int tt_decode(const uint8_t *data, size_t len,
		     const struct tt_format *fmt, struct tt_audio *audio)
{
	size_t frame = fmt->channels * (fmt->bits / 8), i;
	unsigned int c;
	double sum;

	audio->n = len / frame;
	audio->rate = fmt->rate;
	audio->samples = calloc(audio->n ? audio->n : 1, sizeof(float));
	if (!audio->samples)
		return -ENOMEM;

	for (i = 0; i < audio->n; i++) {
		sum = 0;
		for (c = 0; c < fmt->channels; c++)
			sum += tt_sample(data + i * frame + c * (fmt->bits / 8),
					 fmt);
		audio->samples[i] = (float)(sum / fmt->channels);
	}

	return 0;
}

static int tt_load(const char *path, const struct tt_options *o,
		   struct tt_audio *audio)
{
	struct tt_format fmt = {
		.coding = o->ulaw ? TT_ULAW : TT_PCM,
		.channels = 1,
		.rate = o->rate,
		.bits = o->ulaw ? 8 : 16,
	};
	const uint8_t *data;
	size_t len = 0, data_len;
	uint8_t *buf = NULL;
	int r;

	r = tt_read_file(path, &buf, &len);
	if (r < 0) {
		fprintf(stderr, "tone-tool: %s: %s\n", path, strerror(-r));
		return r;
	}

	data = buf;
	data_len = len;
	if (len >= 12 && memcmp(buf, "RIFF", 4) == 0 &&
	    memcmp(buf + 8, "WAVE", 4) == 0) {
		r = tt_parse_wav(buf, len, &fmt, &data, &data_len);
		if (r < 0) {
			fprintf(stderr, "tone-tool: %s: not a WAV file we "
				"can read: %s\n", path, strerror(-r));
			free(buf);
			return r;
		}
	}

	r = tt_decode(data, data_len, &fmt, audio);
	free(buf);
	return r;
}

/* Applies --skip, --seconds and --last in place. */
static void tt_window(struct tt_audio *a, const struct tt_options *o)
{
	size_t skip = (size_t)(o->skip * a->rate), keep;

	if (skip > a->n)
		skip = a->n;
	memmove(a->samples, a->samples + skip, (a->n - skip) * sizeof(float));
	a->n -= skip;

	if (o->seconds > 0) {
		keep = (size_t)(o->seconds * a->rate);
		if (keep < a->n)
			a->n = keep;
	}

	if (o->last > 0) {
		keep = (size_t)(o->last * a->rate);
		if (keep < a->n) {
			memmove(a->samples, a->samples + a->n - keep,
				keep * sizeof(float));
			a->n = keep;
		}
	}
}

static double tt_rms(const struct tt_audio *a)
{
	double sum = 0;
	size_t i;

	for (i = 0; i < a->n; i++)
		sum += (double)a->samples[i] * a->samples[i];

	return a->n ? sqrt(sum / a->n) * 32768.0 : 0;
}

/*
 * Power per probe frequency, summed over 100 ms blocks: the block's
 * 10 Hz resolution matches the probe step, so no tone falls between.
 */
static size_t tt_spectrum(const struct tt_audio *a, double *power,
			  size_t max)
{
	size_t block = a->rate / 10, n = 0, off;
	unsigned int f;

	if (block > a->n)
		block = a->n;

	for (f = TT_FREQ_MIN; f <= TT_FREQ_MAX && n < max &&
	     f < a->rate / 2; f += TT_FREQ_STEP) {
		power[n] = 0;
		for (off = 0; block && off + block <= a->n; off += block)
			power[n] += tone_power(a->samples + off, block, f,
					       a->rate);
		n++;
	}

	return n;
}

static unsigned int tt_freq_of(size_t index)
{
	return TT_FREQ_MIN + (unsigned int)index * TT_FREQ_STEP;
}

static size_t tt_strongest(const double *power, size_t n)
{
	size_t i, best = 0;

	for (i = 1; i < n; i++)
		if (power[i] > power[best])
			best = i;

	return best;
}

static void tt_print_peaks(double *power, size_t n, unsigned int count)
{
	bool *peak = calloc(n, sizeof(bool));
	const char *sep = "";
	unsigned int k;
	size_t i, best;

	if (!peak)
		return;

	for (i = 0; i < n; i++)
		peak[i] = (i == 0 || power[i] > power[i - 1]) &&
			  (i + 1 == n || power[i] >= power[i + 1]);

	printf(" peaks=");
	for (k = 0; k < count; k++) {
		best = n;
		for (i = 0; i < n; i++)
			if (peak[i] && (best == n || power[i] > power[best]))
				best = i;
		if (best == n)
			break;
		printf("%s%u", sep, tt_freq_of(best));
		peak[best] = false;
		sep = ",";
	}

	free(peak);
}

/* Shared by detect and expect: loads, prints, returns the findings. */
static int tt_analyse(const char *path, const struct tt_options *o,
		      unsigned int *freq, double *rms)
{
	double power[(TT_FREQ_MAX - TT_FREQ_MIN) / TT_FREQ_STEP + 1];
	struct tt_audio a;
	size_t n;
	int r;

	r = tt_load(path, o, &a);
	if (r < 0)
		return r;

	tt_window(&a, o);
	*rms = tt_rms(&a);
	n = tt_spectrum(&a, power, sizeof(power) / sizeof(*power));
	*freq = n ? tt_freq_of(tt_strongest(power, n)) : 0;

	printf("frequency=%u rms=%.1f", *freq, *rms);
	if (o->peaks && n)
		tt_print_peaks(power, n, o->peaks);
	printf(" seconds=%.2f\n", (double)a.n / a.rate);

	free(a.samples);
	return 0;
}

static int tt_detect(int argc, char **argv)
{
	struct tt_options o = { .rate = TT_RATE };
	unsigned int freq;
	double rms;

	if (argc < 1 || !tt_parse_options(argc - 1, argv + 1, &o))
		return tt_usage();

	return tt_analyse(argv[0], &o, &freq, &rms) < 0 ? 2 : 0;
}

static int tt_expect(int argc, char **argv)
{
	struct tt_options o = {
		.rate = TT_RATE, .tolerance = 15, .min_rms = 100,
	};
	unsigned int freq;
	double want, rms;

	if (argc < 2 || !tt_number(argv[1], &want) ||
	    !tt_parse_options(argc - 2, argv + 2, &o))
		return tt_usage();

	if (tt_analyse(argv[0], &o, &freq, &rms) < 0)
		return 2;

	/* Silence has no frequency worth naming: report the level. */
	if (rms < o.min_rms) {
		printf("level %.1f is below %.1f\n", rms, o.min_rms);
		return 1;
	}

	if (fabs(freq - want) > o.tolerance) {
		printf("expected %.0f Hz (+-%.0f), found %u Hz\n", want,
		       o.tolerance, freq);
		return 1;
	}

	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return tt_usage();

	if (strcmp(argv[1], "gen") == 0)
		return tt_gen(argc - 2, argv + 2);
	if (strcmp(argv[1], "detect") == 0)
		return tt_detect(argc - 2, argv + 2);
	if (strcmp(argv[1], "expect") == 0)
		return tt_expect(argc - 2, argv + 2);

	return tt_usage();
}
