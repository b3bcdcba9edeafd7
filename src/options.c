/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright 2026 The dfu-util authors */

/*
 * The command line parser.  It is a small hand-written loop rather than
 * getopt_long(): getopt keeps hidden state between calls (optind, the
 * position inside a cluster of short options, and on glibc a permuted argv),
 * which makes a table of hundreds of parses fragile.  This one is a pure
 * function of argv, accepts the same spellings as getopt_long ("-t 64",
 * "-t64", "--transfer-size 64", "--transfer-size=64", "-vvv") and matches
 * unambiguous abbreviations of long options the same way.
 */

#include <config.h>

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "errors.h"
#include "log.h"
#include "number.h"
#include "options.h"

#define USAGE_HINT "try 'dfu-util --help'"

/* Limits for the numeric options; see the man page for why each exists. */
#define MAX_BYTE_VALUE     255u		/* devnum, bConfigurationValue, interface, alt */
#define MAX_TRANSFER_SIZE  65535u	/* wLength is 16 bits */
#define MAX_DETACH_DELAY   3600u	/* an hour is already far beyond any device */
#define MAX_UPLOAD_SIZE    UINT32_MAX	/* DfuSe addresses and DFU block counts end there */
#define MAX_PATH_PORTS     7		/* USB allows at most 7 tiers of ports */
#define MAX_TIMEOUT_MS     600000u	/* 10 minutes: longer than any erase that NAKs */
#define MAX_WAIT_SECONDS   86400u	/* a day of waiting for a device is plenty */

/* ------------------------------------------------------------ -d */

/*
 * One half of "vid:pid".  IDs are always hex, as lsusb prints them, so
 * "0483" is 0x0483 and not octal; an explicit 0x is tolerated.
 */
static int options_id_part(const char *s, size_t len, enum id_match *match, uint16_t *value)
{
	char buf[16];

	if (len == 0 || (len == 1 && s[0] == '*')) {
		*match = ID_ANY;
		*value = 0;
		return 0;
	}
	if (len == 1 && s[0] == '-') {
		*match = ID_NONE;
		*value = 0;
		return 0;
	}
	if (len >= sizeof(buf))
		return -1;
	memcpy(buf, s, len);
	buf[len] = '\0';
	if (num_usb_id(buf, value) != NUM_OK)
		return -1;
	*match = ID_VALUE;
	return 0;
}

static int options_id_pair_n(const char *text, size_t len, struct id_pair *out)
{
	const char *colon = memchr(text, ':', len);
	struct id_pair p;

	if (!colon) {
		/* "0483" alone names the vendor, any product, as in the classic tool. */
		if (len == 0 || options_id_part(text, len, &p.vid_match, &p.vid) < 0) {
			log_error("invalid device ID '%.*s': expected VID[:PID] in hex, e.g. 0483:df11",
				  (int)len, text);
			return DFU_E_USAGE;
		}
		p.pid_match = ID_ANY;
		p.pid = 0;
		*out = p;
		return DFU_OK;
	}
	if (options_id_part(text, (size_t)(colon - text), &p.vid_match, &p.vid) < 0) {
		log_error("invalid vendor ID in '%.*s': expected up to 4 hex digits, '*' or '-'",
			  (int)len, text);
		return DFU_E_USAGE;
	}
	if (options_id_part(colon + 1, len - (size_t)(colon - text) - 1, &p.pid_match, &p.pid) < 0) {
		log_error("invalid product ID in '%.*s': expected up to 4 hex digits, '*' or '-'",
			  (int)len, text);
		return DFU_E_USAGE;
	}
	*out = p;
	return DFU_OK;
}

int parse_id_pair(const char *text, struct id_pair *out)
{
	return options_id_pair_n(text, strlen(text), out);
}

/*
 * "RT" or "RT,DFU", with the classic dfu-util conventions for two pairs: an
 * empty run-time pair (",0483:df11") ignores run-time devices, an empty DFU
 * pair ("1d50:6018,") repeats the run-time one, and an empty DFU part (as in
 * "1457:51ab,:2bc") takes the run-time value, because a device in DFU mode
 * usually keeps its vendor ID and changes only its product ID.  An explicit
 * "*" still means any.
 */
static int options_device(struct dfu_options *o, const char *text)
{
	const char *comma = strchr(text, ',');
	const char *dfu;
	struct id_pair rt, d;
	int rc;

	if (!comma) {
		rc = parse_id_pair(text, &rt);
		if (rc == DFU_OK) {
			o->ids[0] = rt;
			o->n_ids = 1;
		}
		return rc;
	}
	dfu = comma + 1;
	if (strchr(dfu, ',')) {
		log_error("invalid device IDs '%s': at most two VID:PID pairs (run-time,DFU)", text);
		return DFU_E_USAGE;
	}
	if (comma == text && !*dfu) {
		log_error("invalid device IDs '%s': no IDs given", text);
		return DFU_E_USAGE;
	}
	if (comma == text) {
		rt.vid_match = rt.pid_match = ID_NONE;
		rt.vid = rt.pid = 0;
	} else {
		rc = options_id_pair_n(text, (size_t)(comma - text), &rt);
		if (rc != DFU_OK)
			return rc;
	}
	if (!*dfu) {
		d = rt;
	} else {
		rc = parse_id_pair(dfu, &d);
		if (rc != DFU_OK)
			return rc;
		if (dfu[0] == ':' && rt.vid_match == ID_VALUE) {
			d.vid_match = ID_VALUE;
			d.vid = rt.vid;
		}
		if (dfu[strlen(dfu) - 1] == ':' && rt.pid_match == ID_VALUE) {
			d.pid_match = ID_VALUE;
			d.pid = rt.pid;
		}
	}
	o->ids[0] = rt;
	o->ids[1] = d;
	o->n_ids = 2;
	return DFU_OK;
}

/* ------------------------------------------------------------ other values */

static int options_serial(struct dfu_options *o, const char *text)
{
	const char *comma = strchr(text, ',');
	size_t len;

	if (!comma) {
		/* One serial names the device in both modes. */
		o->serial[0] = o->serial[1] = *text ? text : NULL;
		return DFU_OK;
	}
	if (strchr(comma + 1, ',')) {
		log_error("invalid serial numbers '%s': at most two (run-time,DFU)", text);
		return DFU_E_USAGE;
	}
	len = (size_t)(comma - text);
	if (len > OPT_SERIAL_MAX) {
		log_error("invalid serial number '%.*s': longer than a USB string can be",
			  (int)len, text);
		return DFU_E_USAGE;
	}
	memcpy(o->serial_buf, text, len);
	o->serial_buf[len] = '\0';
	o->serial[0] = len ? o->serial_buf : NULL;
	o->serial[1] = comma[1] ? comma + 1 : NULL;
	return DFU_OK;
}

/* One decimal component of a path: 1..255, no leading zero. */
static const char *options_path_number(const char *p)
{
	unsigned int v = 0;

	if (*p < '1' || *p > '9')
		return NULL;
	while (*p >= '0' && *p <= '9') {
		v = v * 10 + (unsigned int)(*p - '0');
		if (v > MAX_BYTE_VALUE)
			return NULL;
		p++;
	}
	return p;
}

/*
 * "BUS-PORT[.PORT...]" as the kernel and libusb spell it (sysfs names).
 * Checked here so that a typo is refused instead of silently matching
 * nothing; the canonical form is required because it is compared as text.
 */
static int options_path(struct dfu_options *o, const char *text)
{
	const char *p = options_path_number(text);
	int ports = 0;

	if (p && *p == '-') {
		do {
			p = options_path_number(p + 1);
			ports++;
		} while (p && *p == '.' && ports < MAX_PATH_PORTS);
	} else {
		p = NULL;
	}
	if (!p || *p) {
		log_error("invalid path '%s': expected BUS-PORT[.PORT...] as shown by -l, e.g. 1-2.3",
			  text);
		return DFU_E_USAGE;
	}
	o->path = text;
	return DFU_OK;
}

static int options_alt(struct dfu_options *o, const char *text)
{
	uint64_t v;
	enum num_fail why = num_scan(text, MAX_BYTE_VALUE, &v);

	if (why == NUM_OK) {
		o->alt = (int)v;
		o->alt_name = NULL;
		return DFU_OK;
	}
	/* A number too big for an alt setting is a mistake, not a name. */
	if (why == NUM_TOO_LARGE) {
		num_report("alternate setting", text, why, MAX_BYTE_VALUE);
		return DFU_E_USAGE;
	}
	if (!*text) {
		log_error("invalid alternate setting '': empty name");
		return DFU_E_USAGE;
	}
	o->alt = -1;
	o->alt_name = text;
	return DFU_OK;
}

static int options_int(const char *text, uint64_t max, const char *what, int *out)
{
	uint64_t v;
	int rc = parse_number(text, max, what, &v);

	if (rc == DFU_OK)
		*out = (int)v;
	return rc;
}

static int options_file(const char *text, const char *what, const char **out)
{
	if (!*text) {
		log_error("invalid %s '': empty file name", what);
		return DFU_E_USAGE;
	}
	*out = text;
	return DFU_OK;
}

/* ------------------------------------------------------------ the table */

enum opt_id {
	OPT_SIM = 256,		/* long-only options get ids outside char range */
	OPT_SIM_STATE,
	OPT_SIM_CLOCK,
	OPT_TIMEOUT,
	OPT_QUIRK,
	OPT_VERIFY,
	OPT_SKIP_UNCHANGED,
	OPT_DRY_RUN,
	OPT_JSON,
	OPT_ALL,
};

struct opt_def {
	int id;			/* the short option letter, or an enum opt_id */
	const char *name;	/* the long name */
	int has_arg;		/* 0 none, 1 required, OPT_OPTIONAL_ARG only as --name=value */
};

#define OPT_OPTIONAL_ARG 2

/* --dfuse is the spelling older scripts use for -s. */
static const struct opt_def options_table[] = {
	{ 'h', "help", 0 },
	{ 'V', "version", 0 },
	{ 'v', "verbose", 0 },
	{ 'l', "list", 0 },
	{ 'e', "detach", 0 },
	{ 'E', "detach-delay", 1 },
	{ 'd', "device", 1 },
	{ 'n', "devnum", 1 },
	{ 'p', "path", 1 },
	{ 'c', "cfg", 1 },
	{ 'i', "intf", 1 },
	{ 'a', "alt", 1 },
	{ 'S', "serial", 1 },
	{ 't', "transfer-size", 1 },
	{ 'U', "upload", 1 },
	{ 'Z', "upload-size", 1 },
	{ 'D', "download", 1 },
	{ 'R', "reset", 0 },
	{ 'Q', "final-detach", 0 },	/* from Arduino's builds; its board packages pass it */
	{ 'w', "wait", OPT_OPTIONAL_ARG },
	{ 's', "dfuse-address", 1 },
	{ 's', "dfuse", 1 },
	{ OPT_SIM, "sim", 1 },
	{ OPT_SIM_STATE, "sim-state", 1 },
	{ OPT_SIM_CLOCK, "sim-clock", 1 },
	{ OPT_TIMEOUT, "timeout", 1 },
	{ OPT_QUIRK, "quirk", 1 },
	{ OPT_VERIFY, "verify", 0 },
	{ OPT_SKIP_UNCHANGED, "skip-unchanged", 0 },
	{ OPT_DRY_RUN, "dry-run", 0 },
	{ OPT_JSON, "json", 0 },
	{ OPT_ALL, "all", 0 },
};

#define N_OPTIONS (sizeof(options_table) / sizeof(options_table[0]))

static const struct opt_def *options_find_short(int c)
{
	size_t i;

	for (i = 0; i < N_OPTIONS; i++)
		if (options_table[i].id == c && c < 256)
			return &options_table[i];
	return NULL;
}

/*
 * Exact match first, then a unique prefix.  Prefixes shared by two names of
 * the same option (--dfu: --dfuse and --dfuse-address) are not ambiguous.
 */
static int options_find_long(const char *name, size_t len, const char *arg,
			     const struct opt_def **out)
{
	const struct opt_def *found = NULL;
	int ambiguous = 0;
	size_t i;

	for (i = 0; i < N_OPTIONS; i++) {
		const struct opt_def *d = &options_table[i];

		if (strncmp(d->name, name, len) != 0)
			continue;
		if (d->name[len] == '\0') {
			*out = d;
			return DFU_OK;
		}
		if (found && found->id != d->id)
			ambiguous = 1;
		if (!found)
			found = d;
	}
	if (!found) {
		log_error("unknown option '%s'", arg);
		return DFU_E_USAGE;
	}
	if (ambiguous) {
		char list[256] = "";
		size_t used = 0;

		for (i = 0; i < N_OPTIONS; i++) {
			const char *n = options_table[i].name;
			int w;

			if (strncmp(n, name, len) != 0)
				continue;
			w = snprintf(list + used, sizeof(list) - used, "%s--%s", used ? ", " : "", n);
			if (w < 0 || (size_t)w >= sizeof(list) - used)
				break;
			used += (size_t)w;
		}
		log_error("ambiguous option '%s' (could be %s)", arg, list);
		return DFU_E_USAGE;
	}
	*out = found;
	return DFU_OK;
}

/* Apply one option with its argument (NULL for flags). */
static int options_apply(struct dfu_options *o, int id, const char *val)
{
	uint64_t v;
	int rc;

	switch (id) {
	case 'h':
		o->action = ACTION_HELP;
		return DFU_OK;
	case 'V':
		if (o->action != ACTION_HELP)
			o->action = ACTION_VERSION;
		return DFU_OK;
	case 'v':
		o->verbose++;
		return DFU_OK;
	case 'l':
		if (o->action != ACTION_HELP && o->action != ACTION_VERSION)
			o->action = ACTION_LIST;
		return DFU_OK;
	case 'e':
		o->detach = 1;
		return DFU_OK;
	case 'E':
		rc = parse_number(val, MAX_DETACH_DELAY, "detach delay", &v);
		if (rc == DFU_OK)
			o->detach_delay = (unsigned int)v;
		return rc;
	case 'd':
		return options_device(o, val);
	case 'n':
		return options_int(val, MAX_BYTE_VALUE, "device number", &o->devnum);
	case 'p':
		return options_path(o, val);
	case 'c':
		return options_int(val, MAX_BYTE_VALUE, "configuration", &o->config);
	case 'i':
		return options_int(val, MAX_BYTE_VALUE, "interface number", &o->intf);
	case 'a':
		return options_alt(o, val);
	case 'S':
		return options_serial(o, val);
	case 't':
		rc = parse_number(val, MAX_TRANSFER_SIZE, "transfer size", &v);
		if (rc == DFU_OK && v == 0) {
			log_error("invalid transfer size '%s': must be at least 1", val);
			rc = DFU_E_USAGE;
		}
		if (rc == DFU_OK)
			o->transfer_size = (unsigned int)v;
		return rc;
	case 'U':
		return options_file(val, "upload file", &o->upload_file);
	case 'Z':
		rc = parse_number(val, MAX_UPLOAD_SIZE, "upload size", &v);
		if (rc == DFU_OK && v == 0) {
			log_error("invalid upload size '%s': must be at least 1", val);
			rc = DFU_E_USAGE;
		}
		if (rc == DFU_OK) {
			o->upload_size = v;
			o->have_upload_size = 1;
		}
		return rc;
	case 'D':
		return options_file(val, "download file", &o->download_file);
	case 'R':
		o->reset = 1;
		return DFU_OK;
	case 'Q':
		o->final_detach = 1;
		return DFU_OK;
	case 'w':
		o->wait = 1;
		o->wait_seconds = 0;
		if (!val)
			return DFU_OK;
		rc = parse_number(val, MAX_WAIT_SECONDS, "wait time", &v);
		if (rc == DFU_OK && v == 0) {
			log_error("invalid wait time '%s': must be at least 1 second", val);
			rc = DFU_E_USAGE;
		}
		if (rc == DFU_OK)
			o->wait_seconds = (unsigned int)v;
		return rc;
	case OPT_TIMEOUT:
		rc = parse_number(val, MAX_TIMEOUT_MS, "timeout", &v);
		if (rc == DFU_OK && v == 0) {
			log_error("invalid timeout '%s': must be at least 1 ms", val);
			rc = DFU_E_USAGE;
		}
		if (rc == DFU_OK)
			o->timeout_ms = (unsigned int)v;
		return rc;
	case 's':
		if (!*val) {
			log_error("invalid DfuSe address '': empty");
			return DFU_E_USAGE;
		}
		o->dfuse_address = val;
		return DFU_OK;
	case OPT_QUIRK:
		return quirks_parse(val, &o->quirks);
	case OPT_VERIFY:
		o->verify = 1;
		return DFU_OK;
	case OPT_SKIP_UNCHANGED:
		o->skip_unchanged = 1;
		return DFU_OK;
	case OPT_DRY_RUN:
		o->dry_run = 1;
		return DFU_OK;
	case OPT_JSON:
		o->json = 1;
		return DFU_OK;
	case OPT_ALL:
		o->all = 1;
		return DFU_OK;
	case OPT_SIM:
		if (!*val) {
			log_error("invalid simulated device list '': empty (try --sim help)");
			return DFU_E_USAGE;
		}
		o->sim_devices = val;
		return DFU_OK;
	case OPT_SIM_STATE:
		return options_file(val, "simulator state directory", &o->sim_state);
	case OPT_SIM_CLOCK:
		if (strcmp(val, "virtual") == 0) {
			o->sim_virtual_clock = 1;
		} else if (strcmp(val, "real") == 0) {
			o->sim_virtual_clock = 0;
		} else {
			log_error("invalid simulator clock '%s': expected 'virtual' or 'real'", val);
			return DFU_E_USAGE;
		}
		return DFU_OK;
	}
	/* Unreachable: every table entry has a case above. */
	log_error("internal error: option %d has no handler", id);
	return DFU_E_USAGE;
}

/* ------------------------------------------------------------ the loop */

void options_init(struct dfu_options *o)
{
	memset(o, 0, sizeof(*o));
	o->action = ACTION_NONE;
	o->devnum = -1;
	o->config = -1;
	o->intf = -1;
	o->alt = -1;
	o->detach_delay = 5;
	o->timeout_ms = OPT_DEFAULT_TIMEOUT_MS;
	o->sim_virtual_clock = -1;
}

/* Parse one "--name[=value]" argument; *i is advanced past a separate value. */
static int options_long(struct dfu_options *o, int argc, char *const argv[], int *i)
{
	const char *arg = argv[*i];
	const char *name = arg + 2;
	const char *eq = strchr(name, '=');
	size_t len = eq ? (size_t)(eq - name) : strlen(name);
	const struct opt_def *d = NULL;
	const char *val = NULL;
	int rc;

	if (len == 0) {
		log_error("unknown option '%s'", arg);
		return DFU_E_USAGE;
	}
	rc = options_find_long(name, len, arg, &d);
	if (rc != DFU_OK)
		return rc;
	if (d->has_arg == OPT_OPTIONAL_ARG) {
		/* Only "--wait=5": "--wait 5" stays a stray argument, as "-w 5" does. */
		if (eq)
			val = eq + 1;
	} else if (!d->has_arg) {
		if (eq) {
			log_error("option '--%s' takes no argument (in '%s')", d->name, arg);
			return DFU_E_USAGE;
		}
	} else if (eq) {
		val = eq + 1;
	} else if (*i + 1 < argc) {
		val = argv[++*i];
	} else {
		log_error("option '--%s' needs an argument", d->name);
		return DFU_E_USAGE;
	}
	return options_apply(o, d->id, val);
}

/* Parse one cluster of short options: "-v", "-vvl", "-t64", "-t 64". */
static int options_short(struct dfu_options *o, int argc, char *const argv[], int *i)
{
	const char *arg = argv[*i];
	const char *p;

	for (p = arg + 1; *p; p++) {
		const struct opt_def *d = options_find_short((unsigned char)*p);
		const char *val = NULL;
		int rc;

		if (!d) {
			if (p == arg + 1)
				log_error("unknown option '-%c'", *p);
			else
				log_error("unknown option '-%c' (in '%s')", *p, arg);
			return DFU_E_USAGE;
		}
		if (d->has_arg == 1) {
			if (p[1]) {
				val = p + 1;
			} else if (*i + 1 < argc) {
				val = argv[++*i];
			} else {
				log_error("option '-%c' needs an argument", *p);
				return DFU_E_USAGE;
			}
		}
		rc = options_apply(o, d->id, val);
		if (rc != DFU_OK || d->has_arg == 1)
			return rc;
	}
	return DFU_OK;
}

/* Refuse combinations that cannot mean anything. */
static int options_check(const struct dfu_options *o)
{
	/* Help and version answer without touching a device: nothing to conflict with. */
	if (o->action == ACTION_HELP || o->action == ACTION_VERSION)
		return DFU_OK;
	if (o->upload_file && o->download_file) {
		log_error("cannot upload and download at once (-U '%s' and -D '%s')",
			  o->upload_file, o->download_file);
		return DFU_E_USAGE;
	}
	if (o->json && o->upload_file && strcmp(o->upload_file, "-") == 0) {
		log_error("-U - and --json both want standard output");
		return DFU_E_USAGE;
	}
	if (o->all && (o->action == ACTION_LIST || o->wait ||
		       (o->upload_file && strcmp(o->upload_file, "-") == 0))) {
		log_error("--all cannot be combined with %s",
			  o->action == ACTION_LIST ? "-l (which lists every device anyway)" :
			  o->wait ? "-w (it takes the devices present now)" :
			  "-U - (one file per device)");
		return DFU_E_USAGE;
	}
	if (o->have_upload_size && !o->upload_file) {
		log_error("option -Z (upload size) needs -U FILE");
		return DFU_E_USAGE;
	}
	if ((o->verify || o->skip_unchanged || o->dry_run) && !o->download_file) {
		log_error("option --%s needs -D FILE",
			  o->verify ? "verify" : o->skip_unchanged ? "skip-unchanged" : "dry-run");
		return DFU_E_USAGE;
	}
	if (o->action == ACTION_LIST && (o->upload_file || o->download_file)) {
		log_error("option -l (list) cannot be combined with %s '%s'",
			  o->upload_file ? "-U" : "-D",
			  o->upload_file ? o->upload_file : o->download_file);
		return DFU_E_USAGE;
	}
	return DFU_OK;
}

static int options_parse_args(struct dfu_options *o, int argc, char *const argv[])
{
	int i;
	int rc;

	for (i = 1; i < argc; i++) {
		const char *arg = argv[i];

		if (strcmp(arg, "--") == 0) {
			/* dfu-util takes no operands, so anything after "--" is stray. */
			if (i + 1 < argc) {
				log_error("unexpected argument '%s'", argv[i + 1]);
				return DFU_E_USAGE;
			}
			break;
		}
		if (arg[0] == '-' && arg[1] == '-')
			rc = options_long(o, argc, argv, &i);
		else if (arg[0] == '-' && arg[1] != '\0')
			rc = options_short(o, argc, argv, &i);
		else {
			log_error("unexpected argument '%s'", arg);
			rc = DFU_E_USAGE;
		}
		if (rc != DFU_OK)
			return rc;
	}
	if (o->action != ACTION_HELP && o->action != ACTION_VERSION &&
	    o->action != ACTION_LIST) {
		if (o->download_file)
			o->action = ACTION_DOWNLOAD;
		else if (o->upload_file)
			o->action = ACTION_UPLOAD;
	}
	return options_check(o);
}

int options_parse(struct dfu_options *o, int argc, char *const argv[])
{
	int rc = options_parse_args(o, argc, argv);

	if (rc != DFU_OK)
		log_hint(USAGE_HINT);
	return rc;
}

/* ------------------------------------------------------------ help */

static const char options_usage_text[] =
"Usage: dfu-util [OPTION]...\n"
"Flash or read USB devices that speak DFU 1.1 or ST DfuSe.\n"
"\n"
"Actions:\n"
"  -l, --list                   show every DFU interface found and exit\n"
"  -D, --download FILE          write FILE to the device (\"-\" reads stdin)\n"
"  -U, --upload FILE            read the device into FILE (never overwrites;\n"
"                               \"-\" writes to standard output)\n"
"  -Z, --upload-size BYTES      with -U: read exactly BYTES\n"
"  -e, --detach                 ask a run-time device to enter DFU mode\n"
"  -E, --detach-delay SECONDS   wait at most SECONDS for the device to come\n"
"                               back after a detach (default 5)\n"
"  -R, --reset                  reset the device when the operation succeeded\n"
"  -Q, --final-detach           after a download, send DFU_DETACH instead of\n"
"                               a USB reset (Arduino boot loaders)\n"
"  -w, --wait[=SECONDS]         wait for a matching device to appear (at most\n"
"                               SECONDS; -w alone waits until interrupted)\n"
"  -s, --dfuse-address ADDRESS[:MODIFIERS]\n"
"                               DfuSe: start address and options (also --dfuse)\n"
"\n"
"Choosing the device:\n"
"  -d, --device [RT_VID[:PID],]VID[:PID]\n"
"                               vendor and product ID in hex; '*' or empty\n"
"                               part = any, '-' = none; with two pairs, the\n"
"                               first is for run-time mode, the second for DFU\n"
"  -n, --devnum N               USB device number on its bus\n"
"  -p, --path BUS-PORT[.PORT...]\n"
"                               where the device is plugged, as -l shows it\n"
"  -S, --serial SERIAL[,SERIAL] serial number (run-time, then DFU mode)\n"
"  -c, --cfg N                  configuration value\n"
"  -i, --intf N                 interface number (bInterfaceNumber)\n"
"  -a, --alt N|NAME             alternate setting, by number or by name\n"
"  -t, --transfer-size BYTES    bytes per request (default: from the device)\n"
"      --timeout MS             USB control-transfer timeout (default 5000)\n"
"      --quirk NAME[,NAME...]   treat the device as having these quirks\n"
"      --all                    every matching device at once, one thread each\n"
"                               (-U NAME: one file per device, NAME-SERIAL.EXT)\n"
"\n"
"Checking and saving work (with -D):\n"
"      --verify                 read back everything written and compare\n"
"      --skip-unchanged         DfuSe: leave pages that already hold the data,\n"
"                               write blank pages without erasing them\n"
"      --dry-run                show what would be erased and written, and\n"
"                               stop before changing the device\n"
"\n"
"Simulated devices (no hardware needed):\n"
"      --sim PROFILE[,PROFILE]  use simulated devices instead of USB\n"
"                               (\"--sim help\" lists the profiles)\n"
"      --sim-state DIR          keep simulated memory and state in DIR\n"
"      --sim-clock virtual|real run simulated delays on a virtual clock\n"
"\n"
"Other:\n"
"  -v, --verbose                more detail; repeat for even more\n"
"      --json                   events for programs on stdout, one JSON object\n"
"                               a line (doc/json-events.txt); text to stderr\n"
"  -h, --help                   show this help and exit\n"
"  -V, --version                show the version and exit\n"
"\n"
"Numbers are decimal, 0x hex or 0-prefixed octal; VID and PID are always hex.\n"
"Long options may be shortened while they stay unambiguous.\n"
"See dfu-util(1) for details and the exit statuses.\n";

void options_usage(void)
{
	fputs(options_usage_text, stdout);
}
