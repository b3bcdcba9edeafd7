/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright 2026 The dfu-util authors */

/*
 * dfu-gadget: serve a simulated DFU device (sim.c, the same model the
 * simulated backend drives) as a real USB device through the Linux
 * kernel's FunctionFS, so that a host tool on the other end of the bus
 * (dummy_hcd in the VM test tier) goes through libusb, usbfs and the
 * kernel's USB core like it would with hardware.
 *
 *   dfu-gadget [-v] [-t TRACEFILE] [-c CONFIGFS] [-u UDC] [-n NAME] [-m MOUNTDIR] PROFILE[:KEY=VALUE...]
 *
 * PROFILE is a built-in simulator profile (dfu-util --sim help lists them)
 * or a profile file, loaded by the simulator's own loader as --sim does;
 * the KEY=VALUE overrides use the profile text format of doc/sim-profile.txt.
 *
 * What the kernel's composite layer does and this program cannot change
 * (doc/vm-tier.txt lists the consequences): it answers the standard
 * requests itself (device, configuration and string descriptors,
 * SET_INTERFACE, GET_STATUS) and sets bcdUSB and bMaxPacketSize0 from the
 * bus speed; it forwards only requests addressed to our interfaces, and
 * never says which alt setting the host selected, so the model stays at
 * alt 0 (a DfuSe model picks its memory from the address, as ST's
 * bootloaders do).  Once an OUT data stage has been read the kernel has
 * acknowledged it, so a model that refuses such a request is heard only at
 * the next GETSTATUS.
 *
 * Re-enumeration (detach, a reset that leaves DFU mode) is an unbind from
 * the UDC, new descriptors and a bind: to the host, an unplug and a new
 * device, as a real bootloader does.  A device that is gone for good
 * stays unbound until the program ends (SIGTERM or SIGINT), when it tears
 * its configfs gadget down again.
 *
 * Built only for the tests; Linux only.
 */

#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "errors.h"
#include "log.h"
#include "sim/sim.h"

#if defined(__linux__)

#include <dirent.h>
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <linux/usb/ch9.h>
#include <linux/usb/functionfs.h>

#define GADGET_PATH_MAX		512
#define GADGET_BLOB_MAX		(16 + 2 * SIM_CONFIG_MAX)
#define GADGET_STRINGS_MAX	(16 + 2 + SIM_MAX_STRINGS * SIM_STR_MAX)
#define GADGET_POLL_MS		200

struct gadget {
	const char *configfs;		/* configfs mount point */
	const char *udc;		/* UDC name, e.g. dummy_udc.0 */
	const char *name;		/* configfs gadget and FunctionFS instance name */
	char gdir[GADGET_PATH_MAX];	/* CONFIGFS/usb_gadget/NAME */
	char mnt[GADGET_PATH_MAX];	/* FunctionFS mount point */
	int mounted;
	int ep0;			/* -1 when closed */
	int bound;
	int gone;			/* disconnected for good */
	unsigned int generation;	/* model generation the descriptors were made for */
	uint64_t t0_us;
	FILE *trace;			/* -t: one timestamped line per ep0 event */
	struct sim_device dev;
	unsigned long setups, stalls, enumerations;
};

static volatile sig_atomic_t gadget_stop;

/* One buffer for every control data stage: wLength is at most 65535. */
static unsigned char gadget_buf[65536];

static void gadget_on_signal(int sig)
{
	(void)sig;
	gadget_stop = 1;
}

static uint64_t gadget_now_us(const struct gadget *g)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u - g->t0_us;
}

/*
 * -t FILE: "MICROSECONDS EVENT..." per ep0 event, on CLOCK_MONOTONIC as
 * it is (not relative to t0), so that it lines up with the host tool's
 * start and end times that tests/vm/stopwatch records on the same clock.
 */
static void gadget_trace(const struct gadget *g, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void gadget_trace(const struct gadget *g, const char *fmt, ...)
{
	struct timespec ts;
	va_list ap;

	if (!g->trace)
		return;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	fprintf(g->trace, "%llu ", (unsigned long long)ts.tv_sec * 1000000u +
		(unsigned long long)ts.tv_nsec / 1000u);
	va_start(ap, fmt);
	vfprintf(g->trace, fmt, ap);
	va_end(ap);
	fputc('\n', g->trace);
	fflush(g->trace);
}

/* ------------------------------------------------------------ configfs */

static int gadget_write_file(const char *dir, const char *file, const char *text)
{
	char path[GADGET_PATH_MAX + 64];
	size_t len = strlen(text);
	int fd;
	ssize_t n;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	fd = open(path, O_WRONLY);
	if (fd < 0) {
		log_error("cannot open %s: %s", path, strerror(errno));
		return DFU_E_IO;
	}
	n = write(fd, text, len);
	if (n < 0 || (size_t)n != len) {
		log_error("cannot write '%s' to %s: %s", text, path,
			  n < 0 ? strerror(errno) : "short write");
		close(fd);
		return DFU_E_IO;
	}
	close(fd);
	return 0;
}

static int gadget_mkdir(const char *dir, const char *sub)
{
	char path[GADGET_PATH_MAX + 64];

	snprintf(path, sizeof(path), "%s%s%s", dir, sub[0] ? "/" : "", sub);
	if (mkdir(path, 0755) < 0 && errno != EEXIST) {
		log_error("cannot create %s: %s", path, strerror(errno));
		return DFU_E_IO;
	}
	return 0;
}

/* Best-effort removal; the VM is thrown away anyway, so failures are notes. */
static void gadget_rmdir(const char *dir, const char *sub)
{
	char path[GADGET_PATH_MAX + 64];

	snprintf(path, sizeof(path), "%s/%s", dir, sub);
	if (rmdir(path) < 0 && errno != ENOENT)
		log_note("cannot remove %s: %s", path, strerror(errno));
}

static int gadget_write_hex(const char *dir, const char *file, unsigned int v)
{
	char text[16];

	snprintf(text, sizeof(text), "0x%04x", v);
	return gadget_write_file(dir, file, text);
}

/*
 * configfs takes only binary-coded decimal for bcdDevice, and some real
 * devices are not (the DSO Nano says 0x011a): present each nibble above 9
 * as 9, and say so.
 */
static int gadget_set_bcd_device(struct gadget *g, unsigned int v)
{
	unsigned int bcd = 0, i, nib;

	for (i = 0; i < 16; i += 4) {
		nib = (v >> i) & 0xf;
		bcd |= (nib > 9 ? 9 : nib) << i;
	}
	if (bcd != v)
		log_note("configfs takes bcdDevice in BCD only: presenting 0x%04x as 0x%04x", v,
			 bcd);
	return gadget_write_hex(g->gdir, "bcdDevice", bcd);
}

/*
 * The device descriptor's fields go through configfs: the composite layer
 * builds the descriptor itself.  The strings are the same in both modes.
 */
static int gadget_set_device(struct gadget *g, const struct sim_descriptors *ds)
{
	char sdir[GADGET_PATH_MAX + 32];
	static const char *const files[] = { "manufacturer", "product", "serialnumber" };
	int i, rc;

	rc = gadget_write_hex(g->gdir, "idVendor", ds->device[8] | ds->device[9] << 8);
	if (rc == 0)
		rc = gadget_write_hex(g->gdir, "idProduct", ds->device[10] | ds->device[11] << 8);
	if (rc == 0)
		rc = gadget_set_bcd_device(g, ds->device[12] | ds->device[13] << 8);
	if (rc == 0)
		rc = gadget_write_hex(g->gdir, "bcdUSB", ds->device[2] | ds->device[3] << 8);
	if (rc < 0)
		return rc;
	snprintf(sdir, sizeof(sdir), "%s/strings/0x409", g->gdir);
	for (i = 0; i < 3; i++) {
		const char *s = ds->strings[1 + i];

		if (s && *s) {
			rc = gadget_write_file(sdir, files[i], s);
			if (rc < 0)
				return rc;
		}
	}
	return 0;
}

static int gadget_configfs_setup(struct gadget *g)
{
	char path[GADGET_PATH_MAX + 64], target[GADGET_PATH_MAX + 64];
	int rc;

	snprintf(g->gdir, sizeof(g->gdir), "%s/usb_gadget/%s", g->configfs, g->name);
	rc = gadget_mkdir(g->gdir, "");
	if (rc == 0)
		rc = gadget_mkdir(g->gdir, "strings/0x409");
	if (rc == 0)
		rc = gadget_mkdir(g->gdir, "configs/c.1");
	if (rc < 0)
		return rc;
	snprintf(path, sizeof(path), "%s/configs/c.1", g->gdir);
	rc = gadget_write_file(path, "MaxPower", "100");
	if (rc < 0)
		return rc;
	snprintf(path, sizeof(path), "functions/ffs.%s", g->name);
	rc = gadget_mkdir(g->gdir, path);
	if (rc < 0)
		return rc;
	snprintf(target, sizeof(target), "%s/functions/ffs.%s", g->gdir, g->name);
	snprintf(path, sizeof(path), "%s/configs/c.1/ffs.%s", g->gdir, g->name);
	if (symlink(target, path) < 0 && errno != EEXIST) {
		log_error("cannot link %s into the configuration: %s", target, strerror(errno));
		return DFU_E_IO;
	}
	if (mkdir(g->mnt, 0755) < 0 && errno != EEXIST) {
		log_error("cannot create %s: %s", g->mnt, strerror(errno));
		return DFU_E_IO;
	}
	if (mount(g->name, g->mnt, "functionfs", 0, NULL) < 0) {
		log_error("cannot mount functionfs '%s' on %s: %s", g->name, g->mnt,
			  strerror(errno));
		log_hint("load usb_f_fs and libcomposite first");
		return DFU_E_IO;
	}
	g->mounted = 1;
	return 0;
}

static void gadget_configfs_teardown(struct gadget *g)
{
	char path[GADGET_PATH_MAX + 64];

	if (!g->gdir[0])
		return;
	snprintf(path, sizeof(path), "%s/configs/c.1/ffs.%s", g->gdir, g->name);
	if (unlink(path) < 0 && errno != ENOENT)
		log_note("cannot remove %s: %s", path, strerror(errno));
	if (g->mounted && umount(g->mnt) < 0)
		log_note("cannot unmount %s: %s", g->mnt, strerror(errno));
	g->mounted = 0;
	snprintf(path, sizeof(path), "functions/ffs.%s", g->name);
	gadget_rmdir(g->gdir, path);
	gadget_rmdir(g->gdir, "configs/c.1");
	gadget_rmdir(g->gdir, "strings/0x409");
	if (rmdir(g->gdir) < 0 && errno != ENOENT)
		log_note("cannot remove %s: %s", g->gdir, strerror(errno));
}

/* ------------------------------------------------------------ FunctionFS */

static void gadget_put32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
	p[2] = (unsigned char)(v >> 16);
	p[3] = (unsigned char)(v >> 24);
}

/*
 * The function's descriptors are everything in the model's configuration
 * after its 9-byte header.  String indices become function-local: the
 * model numbers its interface strings from 4 (after manufacturer, product
 * and serial), FunctionFS from 1 in the table written next.
 */
static int gadget_descriptor_blob(const struct sim_descriptors *ds, unsigned char *blob,
				  size_t *len)
{
	size_t body = ds->config_len - 9, off = 0, n;
	unsigned char *d;
	uint32_t count = 0;

	/* the same set for full and high speed: a DFU function has no endpoints */
	d = blob + 20;
	memcpy(d, ds->config + 9, body);
	while (off + 2 <= body) {
		if (d[off] < 2 || off + d[off] > body) {
			log_error("the model's configuration descriptor is malformed at byte %zu",
				  off + 9);
			return DFU_E_DATA;
		}
		if (d[off + 1] == USB_DT_INTERFACE && d[off] >= 9 && d[off + 8] != 0)
			d[off + 8] = (unsigned char)(d[off + 8] - 3);
		off += d[off];
		count++;
	}
	memcpy(d + body, d, body);
	n = 20 + 2 * body;
	gadget_put32(blob, FUNCTIONFS_DESCRIPTORS_MAGIC_V2);
	gadget_put32(blob + 4, (uint32_t)n);
	gadget_put32(blob + 8, FUNCTIONFS_HAS_FS_DESC | FUNCTIONFS_HAS_HS_DESC);
	gadget_put32(blob + 12, count);
	gadget_put32(blob + 16, count);
	*len = n;
	return 0;
}

static size_t gadget_strings_blob(const struct sim_descriptors *ds, unsigned char *blob)
{
	int count = ds->n_strings > 4 ? ds->n_strings - 4 : 0, i;
	size_t n = 16;

	if (count > 0) {
		blob[n++] = 0x09;	/* en-US, little endian */
		blob[n++] = 0x04;
		for (i = 0; i < count; i++) {
			const char *s = ds->strings[4 + i] ? ds->strings[4 + i] : "";
			size_t l = strlen(s) + 1;

			memcpy(blob + n, s, l);
			n += l;
		}
	}
	gadget_put32(blob, FUNCTIONFS_STRINGS_MAGIC);
	gadget_put32(blob + 4, (uint32_t)n);
	gadget_put32(blob + 8, (uint32_t)count);
	gadget_put32(blob + 12, count > 0 ? 1u : 0u);
	return n;
}

static int gadget_write_all(int fd, const unsigned char *buf, size_t len, const char *what)
{
	ssize_t n = write(fd, buf, len);

	if (n < 0 || (size_t)n != len) {
		log_error("FunctionFS refused the %s: %s", what,
			  n < 0 ? strerror(errno) : "short write");
		if (n < 0 && errno == EINVAL && strcmp(what, "descriptors") == 0)
			log_hint("Linux 6.12 accepts a DFU functional descriptor only with "
				 "bLength 9, right after a DFU interface");
		return DFU_E_IO;
	}
	return 0;
}

/* Present the model's current mode: descriptors to ep0, ids to configfs, bind. */
static int gadget_present(struct gadget *g)
{
	static unsigned char blob[GADGET_BLOB_MAX], strings[GADGET_STRINGS_MAX];
	struct sim_descriptors ds;
	char path[GADGET_PATH_MAX + 8];
	size_t len;
	int rc;

	sim_build_descriptors(&g->dev, &ds);
	rc = gadget_set_device(g, &ds);
	if (rc < 0)
		return rc;
	rc = gadget_descriptor_blob(&ds, blob, &len);
	if (rc < 0)
		return rc;
	snprintf(path, sizeof(path), "%s/ep0", g->mnt);
	g->ep0 = open(path, O_RDWR);
	if (g->ep0 < 0) {
		log_error("cannot open %s: %s", path, strerror(errno));
		return DFU_E_IO;
	}
	rc = gadget_write_all(g->ep0, blob, len, "descriptors");
	if (rc == 0)
		rc = gadget_write_all(g->ep0, strings, gadget_strings_blob(&ds, strings),
				      "strings");
	if (rc < 0)
		return rc;
	rc = gadget_write_file(g->gdir, "UDC", g->udc);
	if (rc < 0) {
		log_hint("is the UDC name right? /sys/class/udc lists them");
		return rc;
	}
	g->bound = 1;
	g->generation = g->dev.generation;
	g->enumerations++;
	log_debug(1, "presented %04x:%04x (%s mode) on %s",
		  ds.device[8] | ds.device[9] << 8, ds.device[10] | ds.device[11] << 8,
		  g->dev.mode == SIM_MODE_DFU ? "DFU" : "run-time", g->udc);
	return 0;
}

/* Unplug: unbind from the UDC and drop the function's descriptors. */
static void gadget_unplug(struct gadget *g)
{
	if (g->bound) {
		/* a newline unbinds; errors only mean it was not bound */
		if (gadget_write_file(g->gdir, "UDC", "\n") == 0)
			g->bound = 0;
	}
	if (g->ep0 >= 0) {
		close(g->ep0);
		g->ep0 = -1;
	}
}

/* After every request and reset: follow the model off the bus or into a new mode. */
static int gadget_follow_model(struct gadget *g)
{
	if (g->gone)
		return 0;
	if (g->dev.gone) {
		log_debug(1, "the device disconnected");
		gadget_unplug(g);
		g->gone = 1;
		return 0;
	}
	if (g->dev.generation != g->generation) {
		log_debug(1, "the device re-enumerates");
		gadget_unplug(g);
		return gadget_present(g);
	}
	return 0;
}

/* ------------------------------------------------------------ requests */

/* The standard requests the composite layer passes on to an interface. */
static int gadget_standard(struct gadget *g, uint8_t rt, uint8_t req, uint16_t wValue,
			   unsigned char *data, uint16_t wLength)
{
	struct sim_descriptors ds;
	size_t n;

	if (!(rt & USB_DIR_IN))
		return SIM_STALL;
	if (req == USB_REQ_GET_DESCRIPTOR && (wValue >> 8) == USB_DT_DFU) {
		sim_build_descriptors(&g->dev, &ds);
		if (ds.func_len == 0)
			return SIM_STALL;
		n = ds.func_len < wLength ? ds.func_len : wLength;
		memcpy(data, ds.func, n);
		return (int)n;
	}
	if (req == USB_REQ_GET_STATUS) {
		n = wLength < 2 ? wLength : 2;
		memset(data, 0, n);
		return (int)n;
	}
	return SIM_STALL;
}

static int gadget_dispatch(struct gadget *g, const struct usb_ctrlrequest *c,
			   unsigned char *data)
{
	uint8_t rt = c->bRequestType;
	uint16_t wValue = le16toh(c->wValue), wIndex = le16toh(c->wIndex);
	uint16_t wLength = le16toh(c->wLength);

	switch (rt & USB_TYPE_MASK) {
	case USB_TYPE_STANDARD:
		return gadget_standard(g, rt, c->bRequest, wValue, data, wLength);
	case USB_TYPE_CLASS:
		/* wIndex arrives remapped to the function's own interface number */
		if ((rt & USB_RECIP_MASK) != USB_RECIP_INTERFACE ||
		    (wIndex & 0xff) != sim_interface(&g->dev))
			return SIM_STALL;
		return sim_control(&g->dev, gadget_now_us(g), rt, c->bRequest, wValue, wIndex,
				   data, wLength);
	default:
		return SIM_STALL;
	}
}

static void gadget_setup(struct gadget *g, const struct usb_ctrlrequest *c)
{
	uint16_t wLength = le16toh(c->wLength);
	int in = (c->bRequestType & USB_DIR_IN) != 0;
	ssize_t n = 0;
	int r;

	g->setups++;
	gadget_trace(g, "setup %02x %02x %04x %u", c->bRequestType, c->bRequest,
		     le16toh(c->wValue), wLength);
	if (!in && wLength > 0) {
		n = read(g->ep0, gadget_buf, wLength);
		if (n < 0) {
			/* the host gave up on the request (timeout, reset): nothing to answer */
			log_debug(1, "OUT data stage of request 0x%02x failed: %s", c->bRequest,
				  strerror(errno));
			return;
		}
		if ((size_t)n < wLength)
			memset(gadget_buf + n, 0, wLength - (size_t)n);
	}
	r = gadget_dispatch(g, c, gadget_buf);
	log_debug(2, "setup %02x %02x wValue 0x%04x wIndex %u wLength %u -> %d %s",
		  c->bRequestType, c->bRequest, le16toh(c->wValue), le16toh(c->wIndex),
		  wLength, r, g->dev.note);
	if (r == SIM_GONE)
		return;		/* unanswered: the device has left the bus */
	if (r == SIM_STALL) {
		g->stalls++;
		if (!in && wLength > 0) {
			log_note("refused an OUT request after its data stage was acknowledged "
				 "(request 0x%02x); the host learns it from the next status",
				 c->bRequest);
			return;
		}
		/* FunctionFS stalls on an I/O call in the wrong direction */
		if (in)
			n = read(g->ep0, gadget_buf, 0);
		else
			n = write(g->ep0, gadget_buf, 0);
		return;
	}
	if (in)
		n = write(g->ep0, gadget_buf, (size_t)r);
	else if (wLength == 0)
		n = read(g->ep0, gadget_buf, 0);	/* the status stage */
	if (n < 0)
		log_debug(1, "answering request 0x%02x failed: %s", c->bRequest,
			  strerror(errno));
}

/*
 * A DISABLE event is a bus reset, a repeated SET_CONFIGURATION or our own
 * unbind.  Only a bus reset leaves the UDC short of "configured" (the
 * host re-addresses the device afterwards), so that is the test.
 */
static int gadget_after_reset(struct gadget *g)
{
	char path[GADGET_PATH_MAX], state[32] = "";
	FILE *f;

	snprintf(path, sizeof(path), "/sys/class/udc/%s/state", g->udc);
	f = fopen(path, "r");
	if (f) {
		if (!fgets(state, sizeof(state), f))
			state[0] = '\0';
		fclose(f);
	}
	state[strcspn(state, "\n")] = '\0';
	if (strcmp(state, "configured") == 0) {
		log_debug(1, "interface disabled while configured: not a reset");
		return 0;
	}
	log_debug(1, "bus reset (UDC state '%s')", state);
	(void)sim_bus_reset(&g->dev, gadget_now_us(g));
	return gadget_follow_model(g);
}

static int gadget_event(struct gadget *g, const struct usb_functionfs_event *ev)
{
	switch (ev->type) {
	case FUNCTIONFS_SETUP:
		gadget_setup(g, &ev->u.setup);
		return gadget_follow_model(g);
	case FUNCTIONFS_DISABLE:
		gadget_trace(g, "disable");
		return gadget_after_reset(g);
	case FUNCTIONFS_ENABLE:
		gadget_trace(g, "enable");
		log_debug(2, "interface enabled (configuration or alt setting)");
		return 0;
	default:
		log_debug(2, "event %u", ev->type);
		return 0;
	}
}

static int gadget_run(struct gadget *g)
{
	struct usb_functionfs_event ev;
	struct pollfd pfd;
	ssize_t n;
	int rc;

	while (!gadget_stop) {
		if (g->ep0 < 0) {
			/* gone: nothing on the bus until we are told to end */
			poll(NULL, 0, GADGET_POLL_MS);
			continue;
		}
		pfd.fd = g->ep0;
		pfd.events = POLLIN;
		pfd.revents = 0;
		if (poll(&pfd, 1, GADGET_POLL_MS) <= 0)
			continue;
		n = read(g->ep0, &ev, sizeof(ev));
		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			log_error("reading FunctionFS events: %s", strerror(errno));
			return DFU_E_IO;
		}
		if ((size_t)n < sizeof(ev))
			continue;
		rc = gadget_event(g, &ev);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* ------------------------------------------------------------ setup */

/* The first UDC in /sys/class/udc when none is given. */
static int gadget_find_udc(char *out, size_t len)
{
	DIR *dir = opendir("/sys/class/udc");
	struct dirent *e;

	out[0] = '\0';
	if (!dir) {
		log_error("cannot list /sys/class/udc: %s", strerror(errno));
		log_hint("load dummy_hcd (or a real UDC driver) first");
		return DFU_E_IO;
	}
	while ((e = readdir(dir)) != NULL) {
		if (e->d_name[0] != '.') {
			snprintf(out, len, "%s", e->d_name);
			break;
		}
	}
	closedir(dir);
	if (!out[0]) {
		log_error("no USB device controller in /sys/class/udc");
		log_hint("load dummy_hcd (or a real UDC driver) first");
		return DFU_E_IO;
	}
	return 0;
}

static void gadget_usage(void)
{
	fprintf(stderr,
		"usage: dfu-gadget [-v] [-t TRACEFILE] [-c CONFIGFS] [-u UDC] [-n NAME] [-m MOUNTDIR] "
		"PROFILE[:KEY=VALUE...]\n");
}

/* The profile loader and the model never print: say why they failed. */
static void gadget_say_why(const struct usb_why *why)
{
	log_error("%s", why->msg);
	if (why->hint[0])
		log_hint("%s", why->hint);
}

int main(int argc, char **argv)
{
	static struct gadget g;
	struct sim_profile prof;
	struct usb_why why;
	struct sigaction sa;
	char udc[sizeof(((struct dirent *)0)->d_name)];
	const char *mnt = NULL;
	int opt, rc, verbose = 0;

	log_set_progname("dfu-gadget");
	g.configfs = "/sys/kernel/config";
	g.name = "dfu";
	g.ep0 = -1;
	while ((opt = getopt(argc, argv, "vt:c:u:n:m:h")) != -1) {
		switch (opt) {
		case 'v':
			verbose++;
			break;
		case 't':
			g.trace = fopen(optarg, "a");
			if (!g.trace) {
				log_error("cannot open %s: %s", optarg, strerror(errno));
				return 74;
			}
			break;
		case 'c':
			g.configfs = optarg;
			break;
		case 'u':
			g.udc = optarg;
			break;
		case 'n':
			g.name = optarg;
			break;
		case 'm':
			mnt = optarg;
			break;
		default:
			gadget_usage();
			return opt == 'h' ? 0 : 64;
		}
	}
	if (optind != argc - 1) {
		gadget_usage();
		return 64;
	}
	log_set_verbosity(verbose);
	if (strlen(g.name) > 32 || strchr(g.name, '/')) {
		log_error("bad gadget name '%s'", g.name);
		return 64;
	}
	if (mnt)
		snprintf(g.mnt, sizeof(g.mnt), "%s", mnt);
	else
		snprintf(g.mnt, sizeof(g.mnt), "/dev/ffs-%s", g.name);

	rc = sim_profile_load(argv[optind], &prof, &why);
	if (rc < 0) {
		gadget_say_why(&why);
		return dfu_exit_status(dfu_err_from_usb_setup(rc));
	}
	if (!g.udc) {
		if (gadget_find_udc(udc, sizeof(udc)) < 0)
			return 74;
		g.udc = udc;
	}
	if (sim_init(&g.dev, &prof, &why) < 0) {
		gadget_say_why(&why);
		return 71;
	}

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = gadget_on_signal;	/* no SA_RESTART: poll() returns early */
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);

	g.t0_us = 0;
	g.t0_us = gadget_now_us(&g);
	rc = gadget_configfs_setup(&g);
	if (rc == 0)
		rc = gadget_present(&g);
	if (rc == 0)
		rc = gadget_run(&g);

	gadget_unplug(&g);
	gadget_configfs_teardown(&g);
	log_debug(1, "%lu requests, %lu stalled, %lu enumerations", g.setups, g.stalls,
		  g.enumerations);
	sim_free(&g.dev);
	if (g.trace)
		fclose(g.trace);
	return rc < 0 ? 74 : 0;
}

#else /* !__linux__ */

int main(void)
{
	fprintf(stderr, "dfu-gadget: needs Linux FunctionFS\n");
	return 77;
}

#endif
