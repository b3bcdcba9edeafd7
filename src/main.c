/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright 2026 The dfu-util authors */
/*
 * dfu-util: parse the command line, check the input, pick the USB backend,
 * run one operation, clean up, and map the result to the exit status.
 * This is the only place the program exits.
 */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compat.h"
#include "errors.h"
#include "events.h"
#include "interrupt.h"
#include "log.h"
#include "options.h"
#include "dfu_file.h"
#include "fwimage.h"
#include "dfuse_request.h"
#include "ops.h"
#include "sim/sim.h"
#include "usb.h"

static void main_version(void)
{
	printf("%s %s\n", PACKAGE_NAME, PACKAGE_VERSION);
	printf("features: libusb backend, simulated devices (--sim), DFU 1.1, DFU 1.0, DfuSe\n");
	printf("This is free software under the GNU GPL, version 2 or later;\n"
	       "there is NO WARRANTY, to the extent permitted by law.\n");
}

/* Options win over the environment. */
static const char *main_setting(const char *opt, const char *env)
{
	const char *v;

	if (opt)
		return opt;
	v = getenv(env);
	return v && *v ? v : NULL;
}

static void main_sim_help(void)
{
	const char *const *names = sim_profile_names();

	printf("built-in simulated device profiles (--sim NAME[:key=value...][,...]):\n");
	for (int i = 0; names[i]; i++)
		printf("  %-16s %s\n", names[i], sim_profile_summary(names[i]));
	printf("a profile may also be a file; see doc/sim-profile.txt\n");
}

static int main_lock_backend(struct usb_backend **be, int virtual_clock)
{
	struct usb_backend *locked;

	if (usb_lock_wrap(*be, virtual_clock, &locked) < 0) {
		log_error("out of memory");
		return DFU_E_NOMEM;
	}
	*be = locked;
	return 0;
}

/* What the simulated backend says after set-up goes through the log layer. */
static void main_sim_report(enum usb_report kind, const char *text)
{
	if (kind == USB_REPORT_ERROR)
		log_error("%s", text);
	else
		log_note("%s", text);
}

static int main_open_backend(const struct dfu_options *o, struct usb_backend **be)
{
	struct usb_sim_config cfg;
	struct usb_why why;
	const char *clock;
	int env_dev, env_state;
	int ret;

	memset(&cfg, 0, sizeof(cfg));
	cfg.devices = main_setting(o->sim_devices, "DFU_UTIL_SIM");
	cfg.state_dir = main_setting(o->sim_state, "DFU_UTIL_SIM_STATE");
	if (cfg.devices || cfg.state_dir) {
		if (o->sim_virtual_clock >= 0) {
			cfg.virtual_clock = o->sim_virtual_clock;
		} else if ((clock = main_setting(NULL, "DFU_UTIL_SIM_CLOCK")) != NULL) {
			if (strcmp(clock, "virtual") == 0) {
				cfg.virtual_clock = 1;
			} else if (strcmp(clock, "real") != 0) {
				log_error("invalid DFU_UTIL_SIM_CLOCK '%s'", clock);
				log_hint("use 'virtual' or 'real'");
				return DFU_E_USAGE;
			}
		}
		/*
		 * Never to be mistaken for hardware: one line whatever the
		 * verbosity, also when an exported variable chose it.
		 */
		env_dev = !o->sim_devices && cfg.devices;
		env_state = !o->sim_state && cfg.state_dir;
		log_always("using simulated USB devices, not hardware (state: %s; clock: %s%s%s%s%s)",
			   cfg.state_dir ? cfg.state_dir : "not kept",
			   cfg.virtual_clock ? "virtual" : "real",
			   env_dev || env_state ? "; set by " : "",
			   env_dev ? "DFU_UTIL_SIM" : "", env_dev && env_state ? " and " : "",
			   env_state ? "DFU_UTIL_SIM_STATE" : "");
		cfg.report = main_sim_report;
		ret = usb_sim_init(be, &cfg, &why);
		if (ret < 0) {
			log_error("%s", why.msg);
			if (why.hint[0])
				log_hint("%s", why.hint);
			return dfu_err_from_usb_setup(ret);
		}
		/* --all: the simulated bus is one object the threads take turns on. */
		if (o->all)
			return main_lock_backend(be, cfg.virtual_clock);
		return 0;
	}
	ret = usb_libusb_init(be);
	if (ret < 0) {
		log_error("cannot initialise libusb: %s", usb_strerror(ret));
		return DFU_E_IO;
	}
	return 0;
}

/*
 * What -s asks for must make sense with the rest of the command line;
 * checked before any device is opened, so a refusal sends nothing.
 */
static int main_check_dfuse(const struct dfu_options *o, const struct dfuse_request *req)
{
	if (req->unprotect && o->action != ACTION_NONE) {
		log_error("-s unprotect cannot be combined with -D or -U");
		log_hint("the device erases its flash and resets; run 'dfu-util -s :unprotect:force' on its own");
		return DFU_E_USAGE;
	}
	switch (o->action) {
	case ACTION_NONE:
		if (!ops_dfuse_has_command(req)) {
			log_error("-s '%s' gives nothing to do", o->dfuse_address);
			log_hint("add -D FILE or -U FILE, or a command: -s ADDRESS:leave, -s :mass-erase:force");
			return DFU_E_USAGE;
		}
		break;
	case ACTION_DOWNLOAD:
		if (req->has_length) {
			log_error("-s '%s': a length is for uploads (-U), not for -D", o->dfuse_address);
			log_hint("the file's size says how much to write");
			return DFU_E_USAGE;
		}
		break;
	case ACTION_UPLOAD:
		if (req->mass_erase) {
			log_error("-s '%s': mass-erase cannot be combined with -U", o->dfuse_address);
			return DFU_E_USAGE;
		}
		if (req->has_length && o->have_upload_size && req->length != o->upload_size) {
			log_error("-s '%s' and -Z %llu give different upload lengths",
				  o->dfuse_address, (unsigned long long)o->upload_size);
			log_hint("give the length once");
			return DFU_E_USAGE;
		}
		break;
	default:
		break;
	}
	return 0;
}

static int main_run(const struct dfu_options *o)
{
	struct usb_backend *be = NULL;
	struct dfu_file file;
	struct dfu_outfile out;
	struct dfuse_request req;
	struct fwimage fw;
	const struct dfuse_request *reqp = NULL;
	int have_file = 0, have_out = 0;
	int ret;

	memset(&file, 0, sizeof(file));
	memset(&out, 0, sizeof(out));
	memset(&fw, 0, sizeof(fw));

	/* Check the whole input before any device is touched. */
	if (o->dfuse_address) {
		ret = dfuse_parse_address(o->dfuse_address, &req);
		if (ret < 0)
			return ret;
		ret = main_check_dfuse(o, &req);
		if (ret < 0)
			return ret;
		reqp = &req;
	}
	if (o->action == ACTION_DOWNLOAD) {
		ret = dfu_file_load(o->download_file, &file);
		if (ret < 0)
			return ret;
		have_file = 1;
		/* Raw, or an address-bearing file parsed whole (fwimage.h). */
		ret = fwimage_from_file(&file, reqp, &fw);
		if (ret < 0)
			goto out;
		/* The classic's two lines, word for word: wrappers accept exactly them. */
		if (file.suffix_result == SUFFIX_NONE) {
			log_classic("Warning: %s", file.size < DFU_SUFFIX_LEN ?
				    "File too short for DFU suffix" : "Invalid DFU suffix signature");
			log_classic("A valid DFU suffix will be required in a future dfu-util release");
			log_debug(1, "'%s' has no DFU suffix; sending it whole", file.name);
		}
	}
	/* With --all, ops_all opens one file per device. */
	if (o->action == ACTION_UPLOAD && !o->all) {
		ret = dfu_outfile_open(&out, o->upload_file);
		have_out = 1;
		if (ret < 0)
			goto out;
		/* -U - (or /dev/stdout): the data own stdout, every message goes to stderr. */
		if (dfu_outfile_is_stdout(&out))
			log_set_stdout_is_data(1);
	}

	ret = interrupt_check("before any device was opened");
	if (ret < 0)
		goto out;
	ret = main_open_backend(o, &be);
	if (ret < 0)
		goto out;

	if (o->all) {
		ret = ops_all(be, o, have_file ? &file : NULL, reqp,
			      fw.format != FWIMAGE_RAW ? &fw.img : NULL);
		goto out;
	}
	switch (o->action) {
	case ACTION_LIST:
		ret = ops_list(be, o);
		break;
	case ACTION_DOWNLOAD:
		ret = ops_download(be, o, &file, reqp, fw.format != FWIMAGE_RAW ? &fw.img : NULL);
		break;
	case ACTION_UPLOAD:
		ret = ops_upload(be, o, &out, reqp);
		break;
	default:
		if (reqp)
			ret = ops_dfuse_command(be, o, reqp);
		else
			ret = ops_detach_reset(be, o);
		break;
	}
out:
	/* After a commit this only frees; otherwise it removes the temporary file. */
	if (have_out)
		dfu_outfile_abort(&out);
	fwimage_free(&fw);
	if (have_file)
		dfu_file_free(&file);
	if (be)
		be->ops->exit(be);
	return ret;
}

/* The exit status, announced first as the --json result event. */
static int main_exit(int ret)
{
	int status = dfu_exit_status(ret);

	events_end(ret, status);
	return status;
}

int main(int argc, char **argv)
{
	struct dfu_options o;
	int ret;

	compat_stdio_init();
	log_set_progname("dfu-util");
	/* From here on Ctrl-C stops between requests, and cleanup runs. */
	interrupt_install();
	/* A usage error after --json is reported as events too. */
	events_install();
	options_init(&o);
	ret = options_parse(&o, argc, argv);
	/* --help and --version answer in text, whatever else was given. */
	if (o.json && ret == 0 && (o.action == ACTION_HELP || o.action == ACTION_VERSION ||
				   (o.sim_devices && strcmp(o.sim_devices, "help") == 0)))
		o.json = 0;
	if (o.json)
		log_set_stdout_is_data(1);
	events_begin(o.json, PACKAGE_NAME, PACKAGE_VERSION);
	if (ret < 0)
		return main_exit(ret);
	log_set_verbosity(o.verbose);

	switch (o.action) {
	case ACTION_HELP:
		options_usage();
		return 0;
	case ACTION_VERSION:
		main_version();
		return 0;
	default:
		break;
	}
	if (o.sim_devices && strcmp(o.sim_devices, "help") == 0) {
		main_sim_help();
		return 0;
	}
	if (o.action == ACTION_NONE && !o.detach && !o.reset && !o.dfuse_address) {
		log_error("nothing to do");
		log_hint("give -l, -D FILE, -U FILE, -e, -R or a DfuSe command (-s); see 'dfu-util --help'");
		return main_exit(DFU_E_USAGE);
	}
	ret = main_run(&o);
	return main_exit(ret);
}
