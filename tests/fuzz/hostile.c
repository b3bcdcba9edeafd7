/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright 2026 The dfu-util authors */

/*
 * The hostile device.  A fake USB backend (struct usb_backend, usb.h)
 * whose every answer comes from the fuzz input, with a virtual clock, runs
 * the real host code: discovery and -l, opening the interface, a DFU
 * download and upload, the DfuSe commands, a planned DfuSe download with
 * read-backs, and a DfuSe upload.  The device can send any descriptor, any
 * string, any GETSTATUS (state, status, bwPollTimeout), short replies,
 * stalls, timeouts, errors and disconnects, and can repeat one answer for
 * ever.
 *
 * What must hold: no crash or sanitizer report; no hang -- the host stops
 * talking within FUZZ_MAX_CALLS transfers, sleeps fewer than FUZZ_MAX_SLEEPS
 * times and never longer than FUZZ_MAX_SLEEP_MS at once, on a virtual
 * clock, so "hang" is a count, not a wall-clock guess; every handle opened is closed and nothing leaks; and
 * no read of reply bytes that never arrived: under AddressSanitizer the
 * part of the host's heap buffer past the reply is poisoned until the next
 * transfer, so using it is reported like an overflow (stack buffers are not:
 * their frames are reused once the reader returns).
 *
 * Input layout (missing bytes read as 0; once the input is used up the
 * device is unplugged):
 *
 *   header   8 bytes, see struct fuzz_cfg
 *   devices  per device: bus, devnum, path length and bytes, 18 bytes of
 *            device descriptor, number of configurations, and per
 *            configuration a 16-bit length and that many bytes
 *   script   one entry per seam call, in the order the host makes them:
 *            open/claim/set_alt/... take one result byte; a control
 *            transfer takes an op byte (fuzz_control) and, for an IN
 *            transfer that succeeds, its length and data.
 */

#include <config.h>

#include "fuzz.h"

#include "descriptor.h"
#include "device.h"
#include "dfu.h"
#include "dfuse.h"
#include "dfuse_map.h"
#include "dfuse_plan.h"
#include "errors.h"
#include "options.h"
#include "usb.h"

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define FUZZ_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define FUZZ_ASAN 1
#endif
#ifdef FUZZ_ASAN
#include <sanitizer/asan_interface.h>
#define FUZZ_POISON(p, n)	ASAN_POISON_MEMORY_REGION((p), (n))
#define FUZZ_UNPOISON(p, n)	ASAN_UNPOISON_MEMORY_REGION((p), (n))
#else
#define FUZZ_POISON(p, n)	((void)(p), (void)(n))
#define FUZZ_UNPOISON(p, n)	((void)(p), (void)(n))
#endif

/*
 * Hang limits.  The host bounds each busy wait (dfu.c: 60 s plus the poll
 * timeouts asked for, capped, or 10000 polls without the clock moving),
 * and every loop stops on a failed transfer; a run of this harness needs
 * far fewer transfers than this even when the device answers "busy" for
 * ever.  Crossing it means a loop without a bound.
 */
#ifndef FUZZ_MAX_CALLS
#define FUZZ_MAX_CALLS		2000000u
#endif
#define FUZZ_MAX_SLEEPS		1000000u
/*
 * The longest single sleep the host may take.  bwPollTimeout is 24 bits
 * (4.6 hours); dfu.c honours at most DFU_POLL_MAX_MS of it at once (and
 * tells the user), so a longer sleep is a bug.
 */
#ifndef FUZZ_MAX_SLEEP_MS
#define FUZZ_MAX_SLEEP_MS	DFU_POLL_MAX_MS
#endif
/* The upload sink refuses more than this: a device may stream for ever, legitimately. */
#define FUZZ_SINK_MAX		(64u * 1024u)
#define FUZZ_MAX_DEVICES	3
#define FUZZ_MAX_CONFIG_LEN	1024u
#define FUZZ_STICKY_MAX		256u

/* The 8-byte header. */
struct fuzz_cfg {
	unsigned int verbosity;		/* h0 bits 0-1: log verbosity (more formatting run) */
	unsigned int latency_ms;	/* h0 bits 2-3: virtual time one control transfer takes */
	unsigned int skip;		/* h1: phases to skip, FUZZ_SKIP_* */
	unsigned int transfer_size;	/* h2 % 65; 0 = take the descriptor's wTransferSize */
	unsigned int dnload_len;	/* h3 % 97 */
	unsigned int upload_limit;	/* h4 % 130; 0 = until a short block */
	unsigned int attributes;	/* h5: bmAttributes when the device has no descriptor */
	unsigned int dfuse_flags;	/* h6: FUZZ_DFUSE_* */
	unsigned int n_devices;		/* h7 % (FUZZ_MAX_DEVICES + 1); 0xff: enumeration fails */
	int enum_fails;
};

#define FUZZ_SKIP_LIST		0x01
#define FUZZ_SKIP_DOWNLOAD	0x02
#define FUZZ_SKIP_UPLOAD	0x04
#define FUZZ_SKIP_COMMANDS	0x08
#define FUZZ_SKIP_EXECUTE	0x10
#define FUZZ_SKIP_DFUSE_UP	0x20
#define FUZZ_SKIP_MISC		0x40
#define FUZZ_RAW_OPEN		0x80	/* open without device_open (no config/claim/alt) */

#define FUZZ_DFUSE_WILL_RESET	0x01
#define FUZZ_DFUSE_NO_PRESERVE	0x02
#define FUZZ_DFUSE_MASS_ERASE	0x04
#define FUZZ_DFUSE_EVERY_BLOCK	0x08
#define FUZZ_DFUSE_DEVICE_MAP	0x10	/* plan on the map the device's alt name gives */
#define FUZZ_DFUSE_FORCE	0x20
#define FUZZ_DFUSE_NO_MAP_OPT	0x40	/* execute without the map (full-size read-backs) */

/* Control ops: the low nibble of the op byte. */
enum fuzz_op {
	OP_FULL = 0,		/* IN: all wLength bytes follow */
	OP_LEN8 = 1,		/* IN: a length byte, then that many (at most wLength) */
	OP_LEN16 = 2,		/* IN: a 16-bit length, then the bytes */
	OP_EMPTY = 3,		/* IN: zero bytes */
	/* 4..7 are OP_FULL too: the common case deserves more of the byte space */
	OP_STALL = 8,
	OP_GONE = 9,		/* unplugged: every later call fails with NO_DEVICE */
	OP_TIMEOUT = 10,	/* the transfer times out, taking its timeout of virtual time */
	OP_IO = 11,
	OP_OVERFLOW = 12,
	OP_OTHER = 13,		/* BUSY, ACCESS, OTHER, NOT_FOUND by the high nibble */
	OP_STICKY = 14,		/* the next op becomes the answer to every later call */
	OP_DELAY = 15,		/* a 16-bit delay of virtual time, then the next op */
};

struct fuzz_dev {
	struct fuzz_in in;
	struct fuzz_cfg cfg;
	uint64_t clock;
	unsigned long calls, sleeps;
	int gone;
	int open_handles;
	/* The answer repeated for ever after OP_STICKY. */
	int sticky;
	unsigned int sticky_op;
	size_t sticky_len;		/* data bytes for IN; FUZZ_STICKY_MAX+1 means "full" */
	unsigned char sticky_data[FUZZ_STICKY_MAX];
	volatile unsigned int sink;	/* keeps reads of OUT data from being optimised away */
	uintptr_t stack_top;		/* the harness's own frame: host stack lies below */
};

static struct fuzz_dev fz;

/* ------------------------------------------------------------------ fake seam */

/* Result of a call that only succeeds or fails: 0, or an error the device could cause. */
static int fuzz_result(void)
{
	static const int errs[] = {
		USB_ERR_IO, USB_ERR_STALL, USB_ERR_NO_DEVICE, USB_ERR_ACCESS, USB_ERR_BUSY,
		USB_ERR_TIMEOUT, USB_ERR_NOT_FOUND, USB_ERR_OTHER,
	};
	unsigned int b;

	if (fz.gone || fz.in.left == 0) {
		fz.gone = 1;
		return USB_ERR_NO_DEVICE;
	}
	b = fuzz_u8(&fz.in);
	if (b < 0xc0)
		return 0;
	return errs[b % (sizeof(errs) / sizeof(errs[0]))];
}

static int fuzz_enumerate(struct usb_backend *be, struct usb_dev_info **list, int *count)
{
	struct usb_dev_info *devs;
	unsigned int d;

	(void)be;
	*list = NULL;
	*count = 0;
	if (fz.cfg.enum_fails)
		return USB_ERR_ACCESS;
	devs = calloc(FUZZ_MAX_DEVICES, sizeof(*devs));
	if (!devs)
		return USB_ERR_NOMEM;
	for (d = 0; d < fz.cfg.n_devices; d++) {
		struct usb_dev_info *info = &devs[d];
		size_t plen, got, k;
		const uint8_t *p;
		int c;

		info->bus = (uint8_t)fuzz_u8(&fz.in);
		info->devnum = (uint8_t)fuzz_u8(&fz.in);
		plen = fuzz_u8(&fz.in) % sizeof(info->path);
		p = fuzz_bytes(&fz.in, plen, &got);
		for (k = 0; k < got; k++)
			info->path[k] = p[k] ? (char)p[k] : '.';
		info->path[got] = '\0';
		p = fuzz_bytes(&fz.in, sizeof(info->dev_desc), &got);
		memcpy(info->dev_desc, p, got);
		info->num_configs = (int)(fuzz_u8(&fz.in) % (USB_MAX_CONFIGS + 1));
		for (c = 0; c < info->num_configs; c++) {
			size_t len = fuzz_u16(&fz.in) % (FUZZ_MAX_CONFIG_LEN + 1);

			p = fuzz_bytes(&fz.in, len, &got);
			/* Exactly the bytes there are: a parser reading past them is caught. */
			info->config[c] = malloc(got ? got : 1);
			if (!info->config[c])
				abort();
			if (got)
				memcpy(info->config[c], p, got);
			info->config_len[c] = got;
		}
		info->backend_ref = d + 1;
	}
	*list = devs;
	*count = (int)fz.cfg.n_devices;
	return 0;
}

static void fuzz_free_list(struct usb_backend *be, struct usb_dev_info *list, int count)
{
	int d, c;

	(void)be;
	for (d = 0; d < count; d++)
		for (c = 0; c < list[d].num_configs; c++)
			free(list[d].config[c]);
	free(list);
}

static int fuzz_open(struct usb_backend *be, const struct usb_dev_info *dev, struct usb_handle **h)
{
	int rc;

	FUZZ_CHECK(dev != NULL);
	*h = NULL;
	rc = fuzz_result();
	if (rc < 0)
		return rc;
	*h = malloc(sizeof(**h));
	if (!*h)
		abort();
	(*h)->backend = be;
	(*h)->priv = NULL;
	fz.open_handles++;
	return 0;
}

static void fuzz_close(struct usb_handle *h)
{
	FUZZ_CHECK(h != NULL);
	FUZZ_CHECK(fz.open_handles > 0);
	fz.open_handles--;
	free(h);
}

static int fuzz_get_configuration(struct usb_handle *h, int *config)
{
	int rc = fuzz_result();

	(void)h;
	if (rc == 0)
		*config = (int)fuzz_u8(&fz.in);
	return rc;
}

static int fuzz_set_int(struct usb_handle *h, int v)
{
	(void)h;
	(void)v;
	return fuzz_result();
}

static int fuzz_set_alt(struct usb_handle *h, int intf, int alt)
{
	(void)h;
	(void)intf;
	(void)alt;
	return fuzz_result();
}

static int fuzz_reset(struct usb_handle *h)
{
	(void)h;
	return fuzz_result();
}

static void fuzz_sleep_ms(struct usb_backend *be, unsigned int ms)
{
	(void)be;
	if (++fz.sleeps > FUZZ_MAX_SLEEPS)
		fuzz_fail(__FILE__, __LINE__, "hang: the host keeps sleeping");
	if (ms > FUZZ_MAX_SLEEP_MS)
		fuzz_fail(__FILE__, __LINE__, "the host slept longer than FUZZ_MAX_SLEEP_MS at once");
	fz.clock += ms;
}

static uint64_t fuzz_now_ms(struct usb_backend *be)
{
	(void)be;
	return fz.clock;
}

static void fuzz_exit(struct usb_backend *be)
{
	(void)be;
}

/* Fill an IN reply of n bytes (n <= wLength) from src, cycling a short source. */
static void fuzz_fill(unsigned char *data, size_t n, const unsigned char *src, size_t src_len)
{
	size_t k;

	for (k = 0; k < n; k++)
		data[k] = src_len ? src[k % src_len] : 0;
}

static int fuzz_error_of(unsigned int op)
{
	static const int other[] = { USB_ERR_BUSY, USB_ERR_ACCESS, USB_ERR_OTHER, USB_ERR_NOT_FOUND };

	switch (op & 0x0f) {
	case OP_STALL:		return USB_ERR_STALL;
	case OP_TIMEOUT:	return USB_ERR_TIMEOUT;
	case OP_IO:		return USB_ERR_IO;
	case OP_OVERFLOW:	return USB_ERR_OVERFLOW;
	default:		return other[(op >> 4) % 4];
	}
}

/* Is p inside the host's stack, between this frame and the harness's? */
static int fuzz_on_stack(const void *p)
{
	uintptr_t here = (uintptr_t)__builtin_frame_address(0);

	return (uintptr_t)p >= here && (uintptr_t)p < fz.stack_top;
}

/*
 * One reply.  For IN transfers the reply bytes are written to data and
 * the rest of the caller's wLength bytes poisoned, so that the host may
 * use only what arrived.
 */
static int fuzz_control(struct usb_handle *h, uint8_t rt, uint8_t req, uint16_t val,
			uint16_t idx, unsigned char *data, uint16_t len, unsigned int timeout_ms)
{
	int in = (rt & 0x80) != 0;
	unsigned int op, kind;
	size_t n = 0, got = 0;
	const uint8_t *src = NULL;
	int sticky_now = 0;

	(void)h;
	(void)req;
	(void)val;
	(void)idx;
	if (++fz.calls > FUZZ_MAX_CALLS)
		fuzz_fail(__FILE__, __LINE__, "hang: the host keeps talking to the device");
	FUZZ_CHECK(len == 0 || data != NULL);
	if (data && len)
		FUZZ_UNPOISON(data, len);
	fz.clock += fz.cfg.latency_ms;

	if (!in && data) {
		/* The host must own every byte it sends. */
		unsigned int sum = 0;
		size_t k;

		for (k = 0; k < len; k++)
			sum += data[k];
		fz.sink = sum;
	}
	if (fz.gone)
		return USB_ERR_NO_DEVICE;

	if (fz.sticky) {
		op = fz.sticky_op;
	} else {
		for (;;) {
			if (fz.in.left == 0) {
				fz.gone = 1;
				return USB_ERR_NO_DEVICE;
			}
			op = fuzz_u8(&fz.in);
			if ((op & 0x0f) == OP_DELAY) {
				fz.clock += fuzz_u16(&fz.in);
				continue;
			}
			if ((op & 0x0f) == OP_STICKY && !sticky_now) {
				sticky_now = 1;
				continue;
			}
			break;
		}
		if ((op & 0x0f) == OP_STICKY)
			op = OP_FULL;	/* sticky twice: make it a plain answer */
	}
	kind = op & 0x0f;
	if (kind <= 7 || kind == OP_STICKY) {
		if (kind >= 4)
			kind = OP_FULL;
		if (!in) {
			if (sticky_now) {
				fz.sticky = 1;
				fz.sticky_op = op;
				fz.sticky_len = 0;
			}
			return len;
		}
		if (fz.sticky) {
			n = fz.sticky_len > FUZZ_STICKY_MAX ? len :
			    (fz.sticky_len < len ? fz.sticky_len : len);
			fuzz_fill(data, n, fz.sticky_data,
				  fz.sticky_len > FUZZ_STICKY_MAX ? FUZZ_STICKY_MAX : fz.sticky_len);
		} else {
			switch (kind) {
			case OP_LEN8:	n = fuzz_u8(&fz.in); break;
			case OP_LEN16:	n = fuzz_u16(&fz.in); break;
			case OP_EMPTY:	n = 0; break;
			default:	n = len; break;
			}
			if (n > len)
				n = len;
			src = fuzz_bytes(&fz.in, n, &got);
			fuzz_fill(data, n, src, got);
			if (sticky_now) {
				fz.sticky = 1;
				fz.sticky_op = op;
				fz.sticky_len = kind == OP_FULL ? FUZZ_STICKY_MAX + 1 : n;
				memset(fz.sticky_data, 0, sizeof(fz.sticky_data));
				fuzz_fill(fz.sticky_data, n < FUZZ_STICKY_MAX ? n : FUZZ_STICKY_MAX,
					  src, got);
			}
		}
		/*
		 * Poison only heap buffers: a stack buffer's frame is gone when
		 * its function returns, and the next function to use that stack
		 * would be reported for bytes it legitimately owns.
		 */
		if (n < len && !fuzz_on_stack(data))
			FUZZ_POISON(data + n, len - n);
		return (int)n;
	}
	if (sticky_now) {
		fz.sticky = 1;
		fz.sticky_op = op;
		fz.sticky_len = 0;
	}
	if (kind == OP_GONE) {
		fz.gone = 1;
		return USB_ERR_NO_DEVICE;
	}
	if (kind == OP_TIMEOUT)
		fz.clock += timeout_ms;
	return fuzz_error_of(op);
}

static const struct usb_ops fuzz_ops = {
	.name = "hostile",
	.enumerate = fuzz_enumerate,
	.free_list = fuzz_free_list,
	.open = fuzz_open,
	.close = fuzz_close,
	.get_configuration = fuzz_get_configuration,
	.set_configuration = fuzz_set_int,
	.claim_interface = fuzz_set_int,
	.release_interface = fuzz_set_int,
	.set_alt = fuzz_set_alt,
	.control = fuzz_control,
	.reset = fuzz_reset,
	.sleep_ms = fuzz_sleep_ms,
	.now_ms = fuzz_now_ms,
	.exit = fuzz_exit,
};

/* ------------------------------------------------------------------ the host side */

struct fuzz_sink_state {
	uint64_t total;
	unsigned int max_chunk;
};

static int fuzz_sink(void *ctx, const unsigned char *data, size_t len)
{
	struct fuzz_sink_state *st = ctx;
	unsigned int sum = 0;
	size_t k;

	FUZZ_CHECK(len <= st->max_chunk);
	/* Reading the bytes is the point: poisoned (never received) ones are reported. */
	for (k = 0; k < len; k++)
		sum += data[k];
	fz.sink = sum;
	st->total += len;
	if (st->total > FUZZ_SINK_MAX)
		return DFU_E_CANTCREAT;
	return 0;
}

/* Stop early once nothing new can happen: unplugged, or one answer repeated for ever. */
static int fuzz_done(int rc)
{
	return fz.gone || (rc < 0 && fz.sticky);
}

static const char fuzz_default_map[] =
	"@Internal Flash  /0x08000000/4*064 g,2*256 g/0x1FFFC000/01*016 e";

/* Download, upload and DfuSe work on one open interface.  Returns nonzero to stop. */
static int fuzz_transfers(struct dfu_session *s, const struct dfu_if *d)
{
	const struct fuzz_cfg *c = &fz.cfg;
	struct fuzz_sink_state sink;
	unsigned char *buf;
	int64_t got;
	int rc = 0;
	size_t k;

	/* A DFU download of a small, exactly allocated buffer. */
	if (!(c->skip & FUZZ_SKIP_DOWNLOAD)) {
		buf = malloc(c->dnload_len ? c->dnload_len : 1);
		if (!buf)
			abort();
		for (k = 0; k < c->dnload_len; k++)
			buf[k] = (unsigned char)(k * 13);
		rc = dfu_ensure_idle(s);
		if (!fuzz_done(rc))
			rc = dfu_download(s, buf, c->dnload_len);
		FUZZ_CHECK(rc <= 1);
		free(buf);
		if (fuzz_done(rc))
			return 1;
	}

	if (!(c->skip & FUZZ_SKIP_UPLOAD)) {
		memset(&sink, 0, sizeof(sink));
		sink.max_chunk = s->transfer_size;
		rc = dfu_ensure_idle(s);
		if (!fuzz_done(rc)) {
			got = dfu_upload_all(s, c->upload_limit, fuzz_sink, &sink);
			if (got >= 0) {
				FUZZ_CHECK((uint64_t)got == sink.total);
				if (c->upload_limit)
					FUZZ_CHECK((uint64_t)got <= c->upload_limit);
			}
			rc = got < 0 ? (int)got : 0;
		}
		if (fuzz_done(rc))
			return 1;
	}

	if (!(c->skip & FUZZ_SKIP_COMMANDS)) {
		unsigned char cmds[8];

		rc = dfu_ensure_idle(s);
		if (!fuzz_done(rc)) {
			rc = dfuse_get_commands(s, cmds, sizeof(cmds));
			FUZZ_CHECK(rc <= (int)sizeof(cmds));
		}
		if (!fuzz_done(rc))
			rc = dfuse_set_address(s, 0x08000000);
		if (!fuzz_done(rc))
			rc = dfuse_erase_page(s, 0x08000400);
		if (!fuzz_done(rc))
			rc = dfuse_mass_erase(s);
		if (!fuzz_done(rc))
			rc = dfuse_read_unprotect(s);
		if (!fuzz_done(rc))
			rc = dfuse_leave(s, c->dfuse_flags & 1, 0x08000000);
		if (!fuzz_done(rc))
			rc = dfuse_write(s, 0x08000000, (const unsigned char *)fuzz_default_map, 40,
					 (c->dfuse_flags & FUZZ_DFUSE_WILL_RESET ? DFUSE_WRITE_WILL_RESET : 0) |
					 (c->dfuse_flags & FUZZ_DFUSE_EVERY_BLOCK ?
					  DFUSE_WRITE_ADDRESS_EVERY_BLOCK : 0));
		if (fuzz_done(rc))
			return 1;
	}

	if (!(c->skip & (FUZZ_SKIP_EXECUTE | FUZZ_SKIP_DFUSE_UP))) {
		struct dfuse_map *map = malloc(sizeof(*map));
		struct dfuse_chunk chunks[2];
		struct dfuse_plan_options po;
		struct dfuse_exec_options eo;
		struct dfuse_upload_plan up;
		struct dfuse_plan plan;
		unsigned char *data1, *data2;
		uint32_t base;

		if (!map)
			abort();
		memset(&eo, 0, sizeof(eo));	/* fields the case does not set stay off */
		rc = -1;
		if ((c->dfuse_flags & FUZZ_DFUSE_DEVICE_MAP) && d && d->name[0] == '@')
			rc = dfuse_map_parse(d->name, map, NULL, 0);
		if (rc != 0)
			FUZZ_CHECK(dfuse_map_parse(fuzz_default_map, map, NULL, 0) == 0);
		base = map->seg[0].start;
		/* Two chunks that cover pages partly, so the plan reads back and preserves. */
		data1 = malloc(100);
		data2 = malloc(8);
		if (!data1 || !data2)
			abort();
		memset(data1, 0x11, 100);
		memset(data2, 0x22, 8);
		chunks[0].address = base + 0x20;
		chunks[0].data = data1;
		chunks[0].len = 100;
		chunks[0].label = "element 0";
		chunks[1].address = map->seg[map->n_segments - 1].start + 4;
		chunks[1].data = data2;
		chunks[1].len = 8;
		chunks[1].label = NULL;
		memset(&po, 0, sizeof(po));
		po.force = !!(c->dfuse_flags & FUZZ_DFUSE_FORCE);
		po.mass_erase = !!(c->dfuse_flags & FUZZ_DFUSE_MASS_ERASE);
		po.preserve = !(c->dfuse_flags & FUZZ_DFUSE_NO_PRESERVE);
		po.set_address_every_block = !!(c->dfuse_flags & FUZZ_DFUSE_EVERY_BLOCK);
		po.transfer_size = s->transfer_size;

		if (!(c->skip & FUZZ_SKIP_EXECUTE) &&
		    dfuse_plan_build(map, chunks, map->n_segments > 1 ? 2 : 1, &po, &plan) == 0) {
			eo.map = (c->dfuse_flags & FUZZ_DFUSE_NO_MAP_OPT) ? NULL : map;
			eo.will_reset = !!(c->dfuse_flags & FUZZ_DFUSE_WILL_RESET);
			rc = dfu_ensure_idle(s);
			if (!fuzz_done(rc))
				rc = dfuse_execute(s, &plan, &eo);
			FUZZ_CHECK(rc <= 1);
			dfuse_plan_free(&plan);
		}
		if (!fz.gone && !(c->skip & FUZZ_SKIP_DFUSE_UP) &&
		    dfuse_upload_plan_build(map, base, 1, 300, s->transfer_size,
					    !!(c->dfuse_flags & FUZZ_DFUSE_EVERY_BLOCK), &up) == 0) {
			memset(&sink, 0, sizeof(sink));
			sink.max_chunk = s->transfer_size;
			rc = dfu_ensure_idle(s);
			if (!fuzz_done(rc)) {
				got = dfuse_upload(s, &up, fuzz_sink, &sink);
				if (got >= 0)
					FUZZ_CHECK((uint64_t)got == up.length && sink.total == up.length);
			}
			dfuse_upload_plan_free(&up);
		}
		if (!fz.gone && !(c->skip & FUZZ_SKIP_DFUSE_UP)) {
			unsigned char *rd = malloc(70);

			if (!rd)
				abort();
			(void)dfuse_read(s, base + 3, rd, 70);
			free(rd);
		}
		free(data1);
		free(data2);
		free(map);
	}

	if (!fz.gone && !(c->skip & FUZZ_SKIP_MISC)) {
		struct dfu_status_reply st;
		uint8_t state;

		(void)dfu_getstatus(s, &st);
		(void)dfu_getstate(s, &state);
		(void)dfu_clrstatus(s);
		(void)dfu_abort(s);
		(void)dfu_detach(s, 1000);
		(void)s->be->ops->reset(s->h);
	}
	return 0;
}

static void fuzz_read_cfg(struct fuzz_cfg *c)
{
	unsigned int h7;

	c->verbosity = fuzz_u8(&fz.in);
	c->latency_ms = (c->verbosity >> 2) & 3;
	c->verbosity &= 3;
	c->skip = fuzz_u8(&fz.in);
	c->transfer_size = fuzz_u8(&fz.in) % 65;
	c->dnload_len = fuzz_u8(&fz.in) % 97;
	c->upload_limit = fuzz_u8(&fz.in) % 130;
	c->attributes = fuzz_u8(&fz.in);
	c->dfuse_flags = fuzz_u8(&fz.in);
	h7 = fuzz_u8(&fz.in);
	c->enum_fails = h7 == 0xff;
	c->n_devices = h7 % (FUZZ_MAX_DEVICES + 1);
}

FUZZ_INITIALIZE_QUIET

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct usb_backend be = { &fuzz_ops, NULL };
	struct dfu_if_list list = { 0, NULL };
	struct dfu_options *o;
	struct dfu_session s;
	const struct dfu_if *d = NULL;
	int idx[4];
	int rc, i;

	memset(&fz, 0, sizeof(fz));
	fz.stack_top = (uintptr_t)__builtin_frame_address(0);
	fz.in.p = data;
	fz.in.left = size;
	fz.clock = 1000;
	fuzz_read_cfg(&fz.cfg);
	log_set_verbosity((int)fz.cfg.verbosity);

	/* Discovery and -l, as dfu-util -l -v does it. */
	rc = device_scan(&be, &list);
	FUZZ_CHECK(fz.open_handles == 0);
	if (rc < 0) {
		FUZZ_CHECK(list.count == 0 && list.items == NULL);
		goto out;
	}
	for (i = 0; i < list.count; i++) {
		FUZZ_CHECK(memchr(list.items[i].name, '\0', sizeof(list.items[i].name)) != NULL);
		FUZZ_CHECK(memchr(list.items[i].serial, '\0', sizeof(list.items[i].serial)) != NULL);
		FUZZ_CHECK(list.items[i].protocol <= DFU_PROTOCOL_DFU);
		if (!d && !list.items[i].runtime)
			d = &list.items[i];
	}
	if (!d && list.count)
		d = &list.items[0];

	if (!(fz.cfg.skip & FUZZ_SKIP_LIST)) {
		device_print_list(&list, (int)fz.cfg.verbosity);
		o = malloc(sizeof(*o));
		if (!o)
			abort();
		options_init(o);
		rc = device_match(&list, o, 0, idx, 4);
		FUZZ_CHECK(rc >= 0 && rc <= list.count);
		if (rc > 1)
			device_report_ambiguous(&list, idx, rc < 4 ? rc : 4);
		/* Selectors that (almost surely) match nothing: the "what was seen and why not" report. */
		o->serial[0] = o->serial[1] = "no-such-serial";
		o->alt_name = "no-such-alt";
		rc = device_match(&list, o, 1, idx, 4);
		FUZZ_CHECK(rc >= 0 && rc <= list.count);
		device_report_no_match(&list, o, 0);
		device_report_no_match(&list, o, 1);
		free(o);
	}

	/* Open the interface as an operation would, or just the device. */
	memset(&s, 0, sizeof(s));
	s.be = &be;
	s.timeout_ms = 5000;
	if (d && !(fz.cfg.skip & FUZZ_RAW_OPEN)) {
		rc = device_open(&be, d, &s.h);
		if (rc < 0) {
			FUZZ_CHECK(s.h == NULL && fz.open_handles == 0);
			goto out;
		}
		s.intf = d->intf;
		s.func = d->func;
	} else {
		static const struct usb_dev_info none;

		if (fuzz_open(&be, &none, &s.h) < 0)
			goto out;
		s.func.bLength = 9;
		s.func.bmAttributes = (uint8_t)fz.cfg.attributes;
		s.func.wTransferSize = 64;
		s.func.bcdDFUVersion = 0x011a;
	}
	s.transfer_size = fz.cfg.transfer_size ? (uint16_t)fz.cfg.transfer_size
					       : s.func.wTransferSize;
	/* Keep one run short: at most 64 bytes a block from the descriptor, too. */
	if (s.transfer_size > 64)
		s.transfer_size = 64;

	(void)fuzz_transfers(&s, d);

	if (d && !(fz.cfg.skip & FUZZ_RAW_OPEN))
		device_close(s.h, d);
	else
		fuzz_close(s.h);
out:
	FUZZ_CHECK(fz.open_handles == 0);
	device_list_free(&list);
	log_set_verbosity(0);
	return 0;
}
