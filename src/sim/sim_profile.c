/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright 2026 The dfu-util authors */

/*
 * Simulated device profiles: the "key = value" text format (documented in
 * doc/sim-profile.txt), the built-in profiles written in that same format,
 * and the raw descriptors a device with a given profile sends.
 */

#include <config.h>

#include <errno.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compat.h"
#include "number.h"
#include "sim.h"
#include "usb.h"

/* ------------------------------------------------------------ built-ins */

struct sim_builtin {
	const char *name;
	const char *summary;
	const char *text;
};

/*
 * The STM32F4 ROM bootloader, shared by two profiles.  Sector erase times
 * are the F4 datasheet's typical values at x32 parallelism; a 2 KiB block
 * programs in about 8 ms (16 us per word).  After a leave it runs the
 * application, which has no DFU interface: gone from the DFU list.
 */
#define SIM_STM32F4_BODY \
	"vendor = 0x0483\n" \
	"product = 0xdf11\n" \
	"bcd_device = 0x2200\n" \
	"bcd_usb = 0x0100\n" \
	"manufacturer = STMicroelectronics\n" \
	"product_name = STM32  BOOTLOADER\n" \
	"serial = 315A28A0B956\n" \
	"dfu_version = 0x011a\n" \
	"attributes = 0x0b\n" \
	"detach_timeout = 255\n" \
	"transfer_size = 2048\n" \
	"alt = @Internal Flash  /0x08000000/04*016Kg,01*064Kg,07*128Kg\n" \
	"alt = @Option Bytes  /0x1FFFC000/01*016 g\n" \
	"alt = @OTP Memory /0x1FFF7800/01*512 g,01*016 g\n" \
	"alt = @Device Feature/0xFFFF0000/01*004 g\n" \
	"set_address_ms = 1\n" \
	"erase_ms = 16K=250 64K=550 128K=1000 20\n" \
	"write_ms = 8\n" \
	"manifest_ms = 10\n" \
	"after_manifest = vanish\n"

/* Kept sorted by name; the unit test checks it. */
static const struct sim_builtin sim_builtins[] = {
	/*
	 * A Black Magic Probe (native STLINK build), from its lsusb dump and
	 * a classic dfu-util log: run-time DFU interface 4 behind two CDC
	 * ACM functions, bitWillDetach, DfuSe without upload; its boot
	 * loader (1d50:6017, interface 0) keeps itself in the first 8 KiB
	 * and leaves without answering the status request after the leave.
	 * STM32F103 timings: 1 KiB page erase ~20-40 ms, ~27 ms per 1 KiB.
	 */
	{ "blackmagic",
	  "Black Magic Probe: run-time 1d50:6018 (intf 4), will-detach into DfuSe 1d50:6017 (intf 0)",
	  "name = blackmagic\n"
	  "runtime_vendor = 0x1d50\n"
	  "runtime_product = 0x6018\n"
	  "vendor = 0x1d50\n"
	  "product = 0x6017\n"
	  "bcd_device = 0x0100\n"
	  "manufacturer = Black Sphere Technologies\n"
	  "product_name = Black Magic Probe (STLINK), (Firmware v1.6-19-g261be98)\n"
	  "serial = C2C89BDB\n"
	  "runtime_name = Black Magic Firmware Upgrade (STLINK)\n"
	  "runtime_interface = 4\n"
	  "interface = 0\n"
	  "dfu_version = 0x011a\n"
	  "attributes = 0x09\n"
	  "detach_timeout = 255\n"
	  "transfer_size = 1024\n"
	  "alt = @Internal Flash   /0x08000000/8*001Ka,120*001Kg\n"
	  "fill = 0x08000000 0x2000 pattern\n"
	  "set_address_ms = 1\n"
	  "erase_ms = 30\n"
	  "write_ms = 27\n"
	  "manifest_ms = 10\n"
	  "leave_status = 0\n"
	  "after_manifest = runtime\n" },
	/*
	 * A dapboot-style flash-resident DfuSe boot loader on an STM32F103
	 * ("blue pill"): download only (no bitCanUpload, so UPLOAD stalls),
	 * its own 8 KiB read-only, 1 KiB pages after it.
	 */
	{ "dapboot",
	  "dapboot-style DfuSe boot loader: download only (no upload), 1 KiB pages",
	  "name = dapboot\n"
	  "vendor = 0x1209\n"
	  "product = 0xdb42\n"
	  "bcd_device = 0x0100\n"
	  "manufacturer = Devanarchy\n"
	  "product_name = DAPBoot DFU Bootloader\n"
	  "serial = 3E0050000D51353034383635\n"
	  "dfu_version = 0x011a\n"
	  "attributes = 0x09\n"
	  "detach_timeout = 255\n"
	  "transfer_size = 1024\n"
	  "alt = @Internal Flash   /0x08000000/8*001Ka,56*001Kg\n"
	  "fill = 0x08000000 0x2000 pattern\n"
	  "fill = 0x08002000 0x400 0x5A\n"
	  "set_address_ms = 1\n"
	  "erase_ms = 1K=22\n"
	  "write_ms = 25\n"
	  "manifest_ms = 10\n"
	  "after_manifest = vanish\n" },
	{ "dfu-intolerant",
	  "DFU 1.1 mode only, manifestation intolerant: needs a USB reset after download",
	  "name = dfu-intolerant\n"
	  "vendor = 0x1209\n"
	  "product = 0x2003\n"
	  "bcd_device = 0x0100\n"
	  "manufacturer = dfu-util simulator\n"
	  "product_name = Simulated DFU device (manifestation intolerant)\n"
	  "serial = SIM0002\n"
	  "attributes = 0x03\n"
	  "detach_timeout = 1000\n"
	  "transfer_size = 1024\n"
	  "alt = Flash\n"
	  "memory_size = 262144\n"
	  "firmware_size = 16384\n"
	  "dnload_busy_ms = 5\n"
	  "poll_timeout_ms = 5\n"
	  "manifest_ms = 20\n"
	  "after_manifest = idle\n" },
	{ "dfu-plain",
	  "DFU 1.1 mode only, manifestation tolerant, 256 KiB",
	  "name = dfu-plain\n"
	  "vendor = 0x1209\n"
	  "product = 0x2002\n"
	  "bcd_device = 0x0100\n"
	  "manufacturer = dfu-util simulator\n"
	  "product_name = Simulated DFU device\n"
	  "serial = SIM0001\n"
	  "attributes = 0x07\n"
	  "detach_timeout = 1000\n"
	  "transfer_size = 1024\n"
	  "alt = Flash\n"
	  "memory_size = 262144\n"
	  "firmware_size = 16384\n"
	  "dnload_busy_ms = 5\n"
	  "poll_timeout_ms = 5\n"
	  "manifest_ms = 20\n" },
	/* After the qi-hardware atusb: run-time interface 1, DFU 1.0 bootloader */
	{ "dfu10",
	  "DFU 1.0: 7-byte functional descriptor, protocol 0, run-time interface 1",
	  "name = dfu10\n"
	  "runtime_vendor = 0x20b7\n"
	  "runtime_product = 0x1540\n"
	  "vendor = 0x20b7\n"
	  "product = 0x1540\n"
	  "bcd_device = 0x0001\n"
	  "serial = 4630333438371508231a\n"
	  "dfu_version = 0x0100\n"
	  "func_length = 7\n"
	  "dfu_protocol = 0\n"
	  "runtime_interface = 1\n"
	  "attributes = 0x07\n"
	  "detach_timeout = 1000\n"
	  "transfer_size = 64\n"
	  "alt = \n"
	  "memory_size = 16384\n"
	  "firmware_size = 4096\n"
	  "dnload_busy_ms = 10\n"
	  "poll_timeout_ms = 10\n"
	  "manifest_ms = 10\n" },
	/* The F4 bootloader, but dfuDNLOAD-IDLE repeats the last bwPollTimeout:
	 * a host that sleeps on an idle answer loses time (the benchmark). */
	{ "dfuse-idle-poll",
	  "stm32f4 whose dfuDNLOAD-IDLE answers repeat the last bwPollTimeout",
	  "name = dfuse-idle-poll\n"
	  SIM_STM32F4_BODY
	  "idle_poll = 1\n" },
	/*
	 * The DSO Nano's flash-resident bootloader (ST USB-FS library): 12 KiB
	 * of itself read-only at the start of flash, 1 KiB pages of an
	 * STM32F103 (page erase 20-40 ms, 1 KiB programs in about 27 ms of
	 * half-word writes), and an 8 MiB M25P64 SPI flash (64 KiB sectors,
	 * about 1 s each) as alt 1.
	 */
	{ "dsonano",
	  "DSO Nano bootloader: DfuSe, protocol 0, 12 KiB read-only, 1 KiB pages, SPI flash alt",
	  "name = dsonano\n"
	  "vendor = 0x0483\n"
	  "product = 0xdf11\n"
	  "bcd_device = 0x011a\n"
	  "bcd_usb = 0x0100\n"
	  "manufacturer = STMicroelectronics\n"
	  "product_name = STM32 DFU\n"
	  "serial = 001\n"
	  "dfu_version = 0x011a\n"
	  "dfu_protocol = 0\n"
	  "attributes = 0x0b\n"
	  "detach_timeout = 255\n"
	  "transfer_size = 1024\n"
	  "alt = @Internal Flash  /0x08000000/12*001Ka,116*001Kg\n"
	  "alt = @SPI Flash : M25P64/0x00000000/64*064Kg,64*064Kg\n"
	  "fill = 0x08000000 0x3000 pattern\n"
	  "set_address_ms = 1\n"
	  "erase_ms = 1K=30 64K=1000\n"
	  "write_ms = 27\n"
	  "manifest_ms = 10\n"
	  "after_manifest = vanish\n" },
	/* After the Openmoko/Black Magic pattern: a run-time DFU interface
	 * behind CDC interfaces, and a DFU mode with another product id. */
	{ "runtime",
	  "run-time device (1d50:6018) that detaches into DFU mode (1d50:6017)",
	  "name = runtime\n"
	  "runtime_vendor = 0x1d50\n"
	  "runtime_product = 0x6018\n"
	  "vendor = 0x1d50\n"
	  "product = 0x6017\n"
	  "bcd_device = 0x0100\n"
	  "manufacturer = dfu-util simulator\n"
	  "product_name = Simulated probe\n"
	  "serial = C2C89BDB\n"
	  "runtime_name = Simulated probe firmware upgrade\n"
	  "runtime_interface = 2\n"
	  "attributes = 0x07\n"
	  "detach_timeout = 1000\n"
	  "transfer_size = 1024\n"
	  "alt = Internal Flash\n"
	  "memory_size = 131072\n"
	  "firmware_size = 8192\n"
	  "dnload_busy_ms = 5\n"
	  "poll_timeout_ms = 5\n"
	  "manifest_ms = 20\n"
	  "after_manifest = runtime\n" },
	/* An STM32F407's ROM bootloader (AN2606, AN3156; F4 datasheet timings) */
	{ "stm32f4",
	  "STM32F4 ROM bootloader: DfuSe, 0483:df11, 1 MiB flash in 16/64/128 KiB sectors",
	  "name = stm32f4\n"
	  SIM_STM32F4_BODY },
};

#define N_BUILTINS (sizeof(sim_builtins) / sizeof(sim_builtins[0]))

static const char *sim_builtin_names[N_BUILTINS + 1];

const char *sim_profile_builtin(const char *name)
{
	size_t i;

	for (i = 0; i < N_BUILTINS; i++)
		if (strcmp(sim_builtins[i].name, name) == 0)
			return sim_builtins[i].text;
	return NULL;
}

const char *const *sim_profile_names(void)
{
	size_t i;

	for (i = 0; i < N_BUILTINS; i++)
		sim_builtin_names[i] = sim_builtins[i].name;
	sim_builtin_names[N_BUILTINS] = NULL;
	return sim_builtin_names;
}

const char *sim_profile_summary(const char *name)
{
	size_t i;

	for (i = 0; i < N_BUILTINS; i++)
		if (strcmp(sim_builtins[i].name, name) == 0)
			return sim_builtins[i].summary;
	return "";
}

/* ------------------------------------------------------------ parsing */

void sim_profile_defaults(struct sim_profile *p)
{
	memset(p, 0, sizeof(*p));
	snprintf(p->name, sizeof(p->name), "custom");
	p->bcd_device = 0x0100;
	p->bcd_usb = 0x0200;
	p->dfu_version = 0x0110;
	p->attributes = DFU_ATTR_CAN_DNLOAD | DFU_ATTR_CAN_UPLOAD | DFU_ATTR_MANIFEST_TOLERANT;
	p->detach_timeout = 1000;
	p->transfer_size = 1024;
	p->func_length = 9;
	p->func_location = SIM_FUNC_INTERFACE;
	p->dfu_protocol = DFU_PROTOCOL_DFU;
	p->memory_size = 262144;
	p->firmware_size = UINT32_MAX;	/* = memory_size unless given */
	p->dnload_busy_ms = 5;
	p->poll_timeout_ms = 5;
	p->manifest_ms = 20;
	p->after_manifest = SIM_AFTER_RUNTIME;
	p->set_address_ms = 1;
	p->write_ms = 5;
	p->n_erase_times = 1;
	p->erase_time[0].size = 0;	/* any page size */
	p->erase_time[0].ms = 20;
	p->leave_status = 1;
	/* A real device is gone for a few hundred ms when it re-enumerates. */
	p->reenum_ms = 500;
	p->runtime_protocol = DFU_PROTOCOL_RUNTIME;
	p->state = -1;
	p->status = -1;
	/*
	 * Full speed moves at most about 1 MB/s through endpoint 0, and a
	 * control transfer costs a frame or so of scheduling.
	 */
	p->usb_overhead_us = 500;
	p->usb_byte_ns = 1000;
}

enum sim_key_kind { K_U8, K_U16, K_U32, K_STR, K_ALT, K_LOC, K_AFTER, K_STATE, K_STATUS,
		    K_FLEN, K_ERASE, K_FILL, K_FAULT, K_DESC };

struct sim_key {
	const char *key;
	enum sim_key_kind kind;
	size_t off;
	size_t size;		/* K_STR buffer size */
};

#define KEY(k, kind, field) { k, kind, offsetof(struct sim_profile, field), \
			      sizeof(((struct sim_profile *)0)->field) }

/* Sorted by key (checked by the unit test). */
static const struct sim_key sim_keys[] = {
	KEY("after_manifest", K_AFTER, after_manifest),
	KEY("alt", K_ALT, alt),
	KEY("appear_ms", K_U32, appear_ms),
	KEY("attributes", K_U8, attributes),
	KEY("bcd_device", K_U16, bcd_device),
	KEY("bcd_usb", K_U16, bcd_usb),
	KEY("block_by_wlength", K_U8, block_by_wlength),
	KEY("buffer_size", K_U16, buffer_size),
	KEY("busy_nak", K_U8, busy_nak),
	KEY("desc_fault", K_DESC, desc_fault),
	KEY("detach_in_dfu", K_U8, detach_in_dfu),
	KEY("detach_self_ms", K_U32, detach_self_ms),
	KEY("detach_timeout", K_U16, detach_timeout),
	KEY("dfu_hub_port", K_U8, dfu_hub_port),
	KEY("dfu_protocol", K_U8, dfu_protocol),
	KEY("dfu_version", K_U16, dfu_version),
	KEY("dfuse", K_U8, dfuse),
	KEY("dnload_busy_ms", K_U32, dnload_busy_ms),
	KEY("erase_ms", K_ERASE, erase_time),
	KEY("fault", K_FAULT, fault),
	KEY("fill", K_FILL, fill),
	KEY("firmware_size", K_U32, firmware_size),
	KEY("func_length", K_FLEN, func_length),
	KEY("func_location", K_LOC, func_location),
	KEY("idle_poll", K_U8, idle_poll),
	KEY("interface", K_U8, interface),
	KEY("leave_status", K_U8, leave_status),
	KEY("manifest_ms", K_U32, manifest_ms),
	KEY("manufacturer", K_STR, manufacturer),
	KEY("mass_erase_ms", K_U32, mass_erase_ms),
	KEY("memory_size", K_U32, memory_size),
	KEY("name", K_STR, name),
	KEY("no_access", K_U8, no_access),
	KEY("poll_timeout_ms", K_U32, poll_timeout_ms),
	KEY("product", K_U16, product),
	KEY("product_name", K_STR, product_name),
	KEY("reenum_ms", K_U32, reenum_ms),
	KEY("runtime_interface", K_U8, runtime_interface),
	KEY("runtime_name", K_STR, runtime_name),
	KEY("runtime_product", K_U16, runtime_product),
	KEY("runtime_protocol", K_U8, runtime_protocol),
	KEY("runtime_vendor", K_U16, runtime_vendor),
	KEY("serial", K_STR, serial),
	KEY("set_address_ms", K_U32, set_address_ms),
	KEY("state", K_STATE, state),
	KEY("status", K_STATUS, status),
	KEY("transfer_size", K_U16, transfer_size),
	KEY("usb_byte_ns", K_U32, usb_byte_ns),
	KEY("usb_overhead_us", K_U32, usb_overhead_us),
	KEY("vendor", K_U16, vendor),
	KEY("write_ms", K_U32, write_ms),
};

#define N_KEYS (sizeof(sim_keys) / sizeof(sim_keys[0]))

static const char *const sim_loc_names[] = { "interface", "every_alt", "config", "request", "none" };
static const char *const sim_after_names[] = { "runtime", "idle", "vanish" };
/* In enum sim_desc_fault order. */
static const char *const sim_desc_names[] = {
	"none", "func_blength_0", "func_blength_long", "string_surrogate", "string_odd",
	"string_short",
};
#define N_DESC_NAMES (int)(sizeof(sim_desc_names) / sizeof(sim_desc_names[0]))

int sim_profile_key_count(void)
{
	return (int)N_KEYS;
}

const char *sim_profile_key_name(int i)
{
	return i >= 0 && i < (int)N_KEYS ? sim_keys[i].key : NULL;
}

static int sim_find_name(const char *const *names, int n, const char *v)
{
	int i;

	for (i = 0; i < n; i++)
		if (strcmp(names[i], v) == 0)
			return i;
	return -1;
}

/* A profile that does not parse: why says where and what. */
#define sim_invalid(why, ...) usb_why_set(why, USB_ERR_CONFIG, NULL, __VA_ARGS__)

static int sim_bad(struct usb_why *why, const char *origin, int line, const char *key,
		   const char *value, const char *reason)
{
	if (line > 0)
		return sim_invalid(why, "%s:%d: invalid %s '%s'%s%s", origin, line, key, value,
				   reason ? ": " : "", reason ? reason : "");
	return sim_invalid(why, "%s: invalid %s '%s'%s%s", origin, key, value, reason ? ": " : "",
			   reason ? reason : "");
}

/* Next space-separated word of *sp into w (NUL-terminated); 0 at the end. */
static size_t sim_word(const char **sp, char *w, size_t len)
{
	const char *s = *sp, *e;
	size_t n;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s;
	while (*e && *e != ' ' && *e != '\t')
		e++;
	n = (size_t)(e - s);
	*sp = e;
	if (n == 0)
		return 0;
	if (n >= len)
		return len;	/* too long: the caller's number parse refuses it */
	memcpy(w, s, n);
	w[n] = '\0';
	return n;
}

/* A size with an optional K or M suffix ("16K", "0x4000", "1M"). */
static int sim_parse_size(const char *text, uint32_t *out)
{
	char buf[32];
	size_t n = strlen(text);
	uint64_t v, mul = 1;

	if (n == 0 || n >= sizeof(buf))
		return -1;
	memcpy(buf, text, n + 1);
	if (buf[n - 1] == 'K' || buf[n - 1] == 'M') {
		mul = buf[n - 1] == 'K' ? 1024 : 1024 * 1024;
		buf[n - 1] = '\0';
	}
	if (parse_number_quiet(buf, 0xffffffffu, &v) < 0 || v * mul > 0xffffffffu)
		return -1;
	*out = (uint32_t)(v * mul);
	return 0;
}

/* erase_ms: "SIZE=MS ..." and at most one bare "MS" for every other size. */
static int sim_parse_erase(struct sim_profile *p, const char *value)
{
	struct sim_erase_time t[SIM_MAX_ERASE_TIMES];
	const char *s = value;
	char w[64];
	int n = 0, i;

	while (sim_word(&s, w, sizeof(w)) > 0) {
		char *eq = strchr(w, '=');
		uint64_t ms;

		if (n == SIM_MAX_ERASE_TIMES)
			return -1;
		t[n].size = 0;
		if (eq) {
			*eq = '\0';
			if (sim_parse_size(w, &t[n].size) < 0 || t[n].size == 0)
				return -1;
		}
		if (parse_number_quiet(eq ? eq + 1 : w, 0xffffff, &ms) < 0)
			return -1;
		t[n].ms = (uint32_t)ms;
		for (i = 0; i < n; i++)
			if (t[i].size == t[n].size)
				return -1;	/* the same size twice: which one? */
		n++;
	}
	if (n == 0)
		return -1;
	memcpy(p->erase_time, t, sizeof(t));
	p->n_erase_times = n;
	return 0;
}

/* fill: "ADDR LEN pattern" or "ADDR LEN BYTE"; each one adds a range. */
static int sim_parse_fill(struct sim_profile *p, const char *value)
{
	const char *s = value;
	char w[3][64], extra[64];
	struct sim_fill f;
	uint64_t v;
	int i;

	for (i = 0; i < 3; i++)
		if (sim_word(&s, w[i], sizeof(w[i])) == 0)
			return -1;
	if (sim_word(&s, extra, sizeof(extra)) != 0 || p->n_fills >= SIM_MAX_FILLS)
		return -1;
	if (parse_number_quiet(w[0], 0xffffffffu, &v) < 0)
		return -1;
	f.addr = (uint32_t)v;
	if (sim_parse_size(w[1], &f.len) < 0 || f.len == 0 ||
	    (uint64_t)f.addr + f.len > UINT64_C(0x100000000))
		return -1;
	if (strcmp(w[2], "pattern") == 0)
		f.value = SIM_FILL_PATTERN;
	else if (parse_number_quiet(w[2], 0xff, &v) == 0)
		f.value = (uint32_t)v;
	else
		return -1;
	p->fill[p->n_fills++] = f;
	return 0;
}

/* The DFU request named name ("GETSTATUS"), or -1. */
static int sim_request_index(const char *name, size_t len)
{
	int i;

	for (i = DFU_DETACH; i <= DFU_ABORT; i++)
		if (strlen(dfu_request_name(i)) == len && strncmp(dfu_request_name(i), name, len) == 0)
			return i;
	return -1;
}

/* fault: "ACTION@TRIGGER", e.g. "stall@GETSTATUS#3", "status=errWRITE@block5". */
static int sim_parse_fault(struct sim_profile *p, const char *value)
{
	const char *at = strchr(value, '@'), *trig, *eq;
	struct sim_fault f;
	size_t alen;
	uint64_t v;
	int i;

	if (!at || p->n_faults >= SIM_MAX_FAULTS)
		return -1;
	memset(&f, 0, sizeof(f));
	alen = (size_t)(at - value);
	eq = memchr(value, '=', alen);
	if (!eq && alen == 5 && strncmp(value, "stall", 5) == 0) {
		f.action = SIM_FAULT_STALL;
	} else if (!eq && alen == 12 && strncmp(value, "stall-always", 12) == 0) {
		f.action = SIM_FAULT_STALL_ALWAYS;
	} else if (!eq && alen == 4 && strncmp(value, "gone", 4) == 0) {
		f.action = SIM_FAULT_GONE;
	} else if (!eq && alen == 4 && strncmp(value, "busy", 4) == 0) {
		f.action = SIM_FAULT_BUSY;
	} else if (!eq && alen == 4 && strncmp(value, "flip", 4) == 0) {
		f.action = SIM_FAULT_FLIP;
	} else if (eq && (size_t)(eq - value) == 6 && strncmp(value, "status", 6) == 0) {
		char name[32];
		size_t n = (size_t)(at - eq - 1);

		if (n == 0 || n >= sizeof(name))
			return -1;
		memcpy(name, eq + 1, n);
		name[n] = '\0';
		i = dfu_status_from_name(name);
		if (i <= DFU_STATUS_OK)
			return -1;	/* a fault is an error status */
		f.action = SIM_FAULT_STATUS;
		f.value = (uint32_t)i;
	} else if (eq && (size_t)(eq - value) == 4 && strncmp(value, "poll", 4) == 0) {
		char num[32];
		size_t n = (size_t)(at - eq - 1);

		if (n == 0 || n >= sizeof(num))
			return -1;
		memcpy(num, eq + 1, n);
		num[n] = '\0';
		if (parse_number_quiet(num, 0xffffff, &v) < 0)
			return -1;
		f.action = SIM_FAULT_POLL;
		f.value = (uint32_t)v;
	} else if (eq && (size_t)(eq - value) == 6 && strncmp(value, "signal", 6) == 0) {
		if (strncmp(eq + 1, "INT@", 4) == 0)
			f.value = SIGINT;
		else if (strncmp(eq + 1, "TERM@", 5) == 0)
			f.value = SIGTERM;
		else if (strncmp(eq + 1, "HUP@", 4) == 0)
			f.value = SIGHUP;
		else if (strncmp(eq + 1, "PIPE@", 5) == 0)
			f.value = SIGPIPE;
		else
			return -1;
		f.action = SIM_FAULT_SIGNAL;
	} else {
		return -1;
	}

	trig = at + 1;
	if (strncmp(trig, "block", 5) == 0) {
		if (parse_number_quiet(trig + 5, 0xffff, &v) < 0)
			return -1;
		f.when = SIM_WHEN_BLOCK;
	} else if (strncmp(trig, "erase", 5) == 0) {
		if (parse_number_quiet(trig + 5, 0xffffffffu, &v) < 0 || v == 0)
			return -1;
		f.when = SIM_WHEN_ERASE;
	} else if (trig[0] == '0' && (trig[1] == 'x' || trig[1] == 'X')) {
		if (parse_number_quiet(trig, 0xffffffffu, &v) < 0)
			return -1;
		f.when = SIM_WHEN_ADDRESS;
	} else {
		const char *hash = strchr(trig, '#');

		i = hash ? sim_request_index(trig, (size_t)(hash - trig)) : -1;
		if (i < 0 || parse_number_quiet(hash + 1, 0xffffffffu, &v) < 0 || v == 0)
			return -1;
		f.when = SIM_WHEN_REQUEST;
		f.request = (uint8_t)i;
	}
	f.n = (uint32_t)v;
	p->fault[p->n_faults++] = f;
	return 0;
}

int sim_profile_set(struct sim_profile *p, const char *key, const char *value,
		    const char *origin, int line, struct usb_why *why)
{
	const struct sim_key *k = NULL;
	unsigned char *base = (unsigned char *)p;
	uint64_t v = 0, max;
	size_t i;
	int n;

	for (i = 0; i < N_KEYS; i++) {
		if (strcmp(sim_keys[i].key, key) == 0) {
			k = &sim_keys[i];
			break;
		}
	}
	if (!k) {
		const char *hint = "see doc/sim-profile.txt for the keys a profile may set";

		if (line > 0)
			return usb_why_set(why, USB_ERR_CONFIG, hint, "%s:%d: unknown key '%s'",
					   origin, line, key);
		return usb_why_set(why, USB_ERR_CONFIG, hint, "%s: unknown key '%s'", origin, key);
	}

	switch (k->kind) {
	case K_U8:
	case K_U16:
	case K_U32:
	case K_FLEN:
		max = k->kind == K_U8 || k->kind == K_FLEN ? 0xff :
		      k->kind == K_U16 ? 0xffff : 0xffffffffu;
		if (parse_number_quiet(value, max, &v) < 0)
			return sim_bad(why, origin, line, key, value, "not a number in range");
		if (k->kind == K_FLEN && v != 7 && v != 9)
			return sim_bad(why, origin, line, key, value,
				       "must be 9, or 7 for DFU 1.0");
		if (k->kind == K_U8 || k->kind == K_FLEN)
			*(uint8_t *)(base + k->off) = (uint8_t)v;
		else if (k->kind == K_U16)
			*(uint16_t *)(base + k->off) = (uint16_t)v;
		else
			*(uint32_t *)(base + k->off) = (uint32_t)v;
		break;
	case K_STR:
		if (strlen(value) >= k->size)
			return sim_bad(why, origin, line, key, value, "too long");
		memcpy(base + k->off, value, strlen(value) + 1);
		break;
	case K_ALT:
		if (p->n_alts >= SIM_MAX_ALTS)
			return sim_bad(why, origin, line, key, value, "too many alt settings");
		if (strlen(value) >= SIM_STR_MAX)
			return sim_bad(why, origin, line, key, value, "too long");
		memcpy(p->alt[p->n_alts++], value, strlen(value) + 1);
		break;
	case K_LOC:
		n = sim_find_name(sim_loc_names, 5, value);
		if (n < 0)
			return sim_bad(why, origin, line, key, value,
				       "one of interface, every_alt, config, request, none");
		p->func_location = (enum sim_func_loc)n;
		break;
	case K_AFTER:
		n = sim_find_name(sim_after_names, 3, value);
		if (n < 0)
			return sim_bad(why, origin, line, key, value,
				       "one of runtime, idle, vanish");
		p->after_manifest = (enum sim_after)n;
		break;
	case K_ERASE:
		if (sim_parse_erase(p, value) < 0)
			return sim_bad(why, origin, line, key, value,
				"expected SIZE=MS items (SIZE like 16K) and at most one bare MS");
		break;
	case K_FILL:
		if (sim_parse_fill(p, value) < 0)
			return sim_bad(why, origin, line, key, value,
				"expected ADDRESS LENGTH pattern|BYTE inside 4 GiB (at most 8 fills)");
		break;
	case K_FAULT:
		if (sim_parse_fault(p, value) < 0)
			return sim_bad(why, origin, line, key, value,
				"expected ACTION@TRIGGER: stall, stall-always, gone, busy, flip, status=errNAME, "
				"poll=MS or signal=INT|TERM|HUP|PIPE, at REQUEST#N, blockN, eraseN or 0xADDRESS (at most 8)");
		break;
	case K_DESC:
		n = sim_find_name(sim_desc_names, N_DESC_NAMES, value);
		if (n < 0)
			return sim_bad(why, origin, line, key, value,
				"one of none, func_blength_0, func_blength_long, string_surrogate, "
				"string_odd, string_short");
		p->desc_fault = (uint8_t)n;
		break;
	case K_STATE:
		n = dfu_state_from_name(value);
		if (n < 0)
			return sim_bad(why, origin, line, key, value,
				       "not a DFU state name such as dfuIDLE");
		p->state = n;
		break;
	case K_STATUS:
		n = dfu_status_from_name(value);
		if (n < 0)
			return sim_bad(why, origin, line, key, value,
				       "not a status name such as errADDRESS");
		p->status = n;
		break;
	}
	p->seen |= (uint64_t)1 << (k - sim_keys);
	return 0;
}

static int sim_seen(const struct sim_profile *p, const char *key)
{
	size_t i;

	for (i = 0; i < N_KEYS; i++)
		if (strcmp(sim_keys[i].key, key) == 0)
			return (p->seen >> i) & 1;
	return 0;
}

static int sim_is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

int sim_profile_parse(struct sim_profile *p, const char *text, const char *origin,
		      int require_ids, struct usb_why *why)
{
	char buf[512];
	const char *s = text, *eol, *eq;
	size_t klen, vlen, len;
	int line = 0, alts_replaced = 0, rc;
	char key[32];

	while (*s) {
		const char *ks, *ke, *vs, *ve;

		line++;
		eol = strchr(s, '\n');
		len = eol ? (size_t)(eol - s) : strlen(s);
		ks = s;
		ke = s + len;
		s = eol ? eol + 1 : s + len;

		while (ks < ke && sim_is_space(*ks))
			ks++;
		if (ks == ke || *ks == '#')
			continue;
		eq = memchr(ks, '=', (size_t)(ke - ks));
		if (!eq)
			return sim_invalid(why, "%s:%d: expected 'key = value'", origin, line);
		vs = eq + 1;
		ve = ke;
		while (eq > ks && sim_is_space(eq[-1]))
			eq--;
		klen = (size_t)(eq - ks);
		while (vs < ve && sim_is_space(*vs))
			vs++;
		while (ve > vs && sim_is_space(ve[-1]))
			ve--;
		/* quotes keep leading or trailing spaces of a string value */
		if (ve - vs >= 2 && *vs == '"' && ve[-1] == '"') {
			vs++;
			ve--;
		}
		vlen = (size_t)(ve - vs);
		if (klen == 0 || klen >= sizeof(key))
			return sim_invalid(why, "%s:%d: expected 'key = value'", origin, line);
		if (vlen >= sizeof(buf))
			return sim_invalid(why, "%s:%d: value too long", origin, line);
		memcpy(key, ks, klen);
		key[klen] = '\0';
		memcpy(buf, vs, vlen);
		buf[vlen] = '\0';

		/* a text that lists alt settings replaces the ones it inherits */
		if (strcmp(key, "alt") == 0 && !alts_replaced) {
			p->n_alts = 0;
			alts_replaced = 1;
		}
		rc = sim_profile_set(p, key, buf, origin, line, why);
		if (rc < 0)
			return rc;
	}

	if (require_ids) {
		if (!sim_seen(p, "vendor"))
			return sim_invalid(why, "%s: missing required key 'vendor'", origin);
		if (!sim_seen(p, "product"))
			return sim_invalid(why, "%s: missing required key 'product'", origin);
	}
	return 0;
}

static int sim_check_ms(const char *origin, const char *key, uint32_t ms, struct usb_why *why)
{
	if (ms > 0xffffff)
		return sim_invalid(why, "%s: %s %lu does not fit in 24 bits", origin, key,
				   (unsigned long)ms);
	return 0;
}

/* The DfuSe part of sim_profile_finish: every alt string must be a map. */
static int sim_profile_finish_dfuse(struct sim_profile *p, const char *origin,
				    struct usb_why *why)
{
	struct dfuse_map map;
	char err[256];
	uint64_t total = 0;
	int i, j, regions = 0;

	if (!sim_seen(p, "dfuse"))
		p->dfuse = p->dfu_version == 0x011a;
	if (p->dfuse > 1 || p->idle_poll > 1 || p->block_by_wlength > 1)
		return sim_invalid(why, "%s: dfuse, idle_poll and block_by_wlength are 0 or 1",
				   origin);
	if (p->leave_status > 2 || p->busy_nak > 1 || p->runtime_protocol > 1)
		return sim_invalid(why,
			"%s: leave_status is 0, 1 or 2; busy_nak and runtime_protocol 0 or 1",
				   origin);
	if (sim_check_ms(origin, "set_address_ms", p->set_address_ms, why) < 0 ||
	    sim_check_ms(origin, "mass_erase_ms", p->mass_erase_ms, why) < 0 ||
	    sim_check_ms(origin, "write_ms", p->write_ms, why) < 0)
		return USB_ERR_CONFIG;
	if (!p->dfuse)
		return 0;
	for (i = 0; i < p->n_alts; i++) {
		if (dfuse_map_parse(p->alt[i], &map, err, sizeof(err)) < 0)
			return sim_invalid(why, "%s: alt %d is not a DfuSe memory map: %s", origin,
					   i, err);
		for (j = 0; j < map.n_segments; j++) {
			const struct dfuse_segment *g = &map.seg[j];

			total += (uint64_t)g->last - g->start + 1;
			/* a new backing region wherever the segments leave a gap */
			if (j == 0 || g->start != map.seg[j - 1].last + 1)
				regions++;
		}
	}
	if (regions > SIM_MAX_REGIONS)
		return sim_invalid(why, "%s: the memory maps have %d separate regions, at most %d",
				   origin, regions, SIM_MAX_REGIONS);
	if (total > 256u * 1024 * 1024)
		return sim_invalid(why,
			"%s: the memory maps describe %llu bytes, above the 256 MiB limit", origin,
				   (unsigned long long)total);
	return 0;
}

int sim_profile_finish(struct sim_profile *p, const char *origin, struct usb_why *why)
{
	int rv = sim_seen(p, "runtime_vendor"), rp = sim_seen(p, "runtime_product");

	if (rv != rp)
		return sim_invalid(why, "%s: runtime_vendor and runtime_product go together",
				   origin);
	p->has_runtime = rv;
	if (p->n_alts == 0) {
		p->n_alts = 1;
		p->alt[0][0] = '\0';
	}
	if (p->firmware_size == UINT32_MAX)
		p->firmware_size = p->memory_size;
	if (p->firmware_size > p->memory_size)
		return sim_invalid(why, "%s: firmware_size %lu is larger than memory_size %lu",
				   origin, (unsigned long)p->firmware_size,
				   (unsigned long)p->memory_size);
	if (p->memory_size > 256u * 1024 * 1024)
		return sim_invalid(why, "%s: memory_size %lu is above the 256 MiB limit", origin,
				   (unsigned long)p->memory_size);
	/* transfer_size 0 is allowed: a broken device the host must refuse to use */
	if (p->interface >= SIM_MAX_INTF || p->runtime_interface >= SIM_MAX_INTF)
		return sim_invalid(why, "%s: interface numbers must be below %d", origin,
				   SIM_MAX_INTF);
	if (p->state >= 0 && p->state <= DFU_STATE_APP_DETACH && !p->has_runtime)
		return sim_invalid(why, "%s: state %s needs runtime_vendor and runtime_product",
				   origin, dfu_state_name(p->state));
	if (p->manifest_ms > 0xffffff)
		return sim_invalid(why, "%s: manifest_ms %lu does not fit in 24 bits", origin,
				   (unsigned long)p->manifest_ms);
	if (p->reenum_ms > SIM_MAX_BUS_DELAY_MS || p->appear_ms > SIM_MAX_BUS_DELAY_MS)
		return sim_invalid(why, "%s: %s %lu ms is more than an hour", origin,
				   p->reenum_ms > SIM_MAX_BUS_DELAY_MS ? "reenum_ms" : "appear_ms",
				   (unsigned long)(p->reenum_ms > SIM_MAX_BUS_DELAY_MS ? p->reenum_ms :
						   p->appear_ms));
	if (p->dfu_hub_port > 15)
		return sim_invalid(why,
				   "%s: dfu_hub_port %u is not a hub port (1..15, or 0 for none)",
				   origin, (unsigned int)p->dfu_hub_port);
	if (p->poll_timeout_ms > 0xffffff)
		return sim_invalid(why, "%s: poll_timeout_ms %lu does not fit in 24 bits", origin,
				   (unsigned long)p->poll_timeout_ms);
	return sim_profile_finish_dfuse(p, origin, why);
}

/* ------------------------------------------------------------ descriptors */

static void sim_put16(unsigned char *b, uint16_t v)
{
	b[0] = v & 0xff;
	b[1] = v >> 8;
}

static size_t sim_put_func(const struct sim_profile *p, unsigned char *b)
{
	b[0] = p->func_length;
	/* desc_fault: a bLength that lies (0 never advances; 0xff runs past the end) */
	if (p->desc_fault == SIM_DESC_FUNC_BLENGTH_0)
		b[0] = 0;
	else if (p->desc_fault == SIM_DESC_FUNC_BLENGTH_LONG)
		b[0] = 0xff;
	b[1] = USB_DT_DFU;
	b[2] = p->attributes;
	sim_put16(b + 3, p->detach_timeout);
	sim_put16(b + 5, p->transfer_size);
	if (p->func_length >= 9)
		sim_put16(b + 7, p->dfu_version);
	return p->func_length;
}

static size_t sim_put_intf(unsigned char *b, uint8_t num, uint8_t alt, uint8_t cls,
			   uint8_t sub, uint8_t proto, uint8_t istr)
{
	b[0] = 9;
	b[1] = USB_DT_INTERFACE;
	b[2] = num;
	b[3] = alt;
	b[4] = 0;		/* bNumEndpoints: DFU uses endpoint 0 only */
	b[5] = cls;
	b[6] = sub;
	b[7] = proto;
	b[8] = istr;
	return 9;
}

void sim_build_descriptors(const struct sim_device *d, struct sim_descriptors *out)
{
	const struct sim_profile *p = &d->prof;
	int dfu = d->mode == SIM_MODE_DFU;
	uint8_t intf = dfu ? p->interface : p->runtime_interface;
	int n_alts = dfu ? p->n_alts : 1;
	unsigned char *c = out->config;
	size_t n = 9;
	int i;

	memset(out, 0, sizeof(*out));
	out->strings[1] = p->manufacturer[0] ? p->manufacturer : NULL;
	out->strings[2] = p->product_name[0] ? p->product_name : NULL;
	out->strings[3] = p->serial[0] ? p->serial : NULL;
	if (dfu) {
		for (i = 0; i < n_alts; i++)
			out->strings[4 + i] = p->alt[i][0] ? p->alt[i] : NULL;
	} else {
		out->strings[4] = p->runtime_name[0] ? p->runtime_name : NULL;
	}
	out->n_strings = 4 + n_alts;

	c = out->device;
	c[0] = 18;
	c[1] = USB_DT_DEVICE;
	sim_put16(c + 2, p->bcd_usb);
	c[4] = 0;		/* class defined at interface level */
	c[5] = 0;
	c[6] = 0;
	c[7] = 64;		/* bMaxPacketSize0 */
	sim_put16(c + 8, dfu ? p->vendor : p->runtime_vendor);
	sim_put16(c + 10, dfu ? p->product : p->runtime_product);
	sim_put16(c + 12, p->bcd_device);
	c[14] = out->strings[1] ? 1 : 0;
	c[15] = out->strings[2] ? 2 : 0;
	c[16] = out->strings[3] ? 3 : 0;
	c[17] = 1;		/* bNumConfigurations */

	out->func_len = p->func_location == SIM_FUNC_NONE ? 0 : sim_put_func(p, out->func);

	c = out->config;
	if (p->func_location == SIM_FUNC_CONFIG)
		n += sim_put_func(p, c + n);
	/* the application's other functions: vendor-specific, no endpoints */
	for (i = 0; i < intf; i++)
		n += sim_put_intf(c + n, (uint8_t)i, 0, 0xff, 0, 0, 0);
	for (i = 0; i < n_alts; i++) {
		n += sim_put_intf(c + n, intf, (uint8_t)i, USB_CLASS_APP_SPECIFIC, DFU_SUBCLASS,
				  dfu ? p->dfu_protocol : p->runtime_protocol,
				  out->strings[4 + i] ? (uint8_t)(4 + i) : 0);
		if (p->func_location == SIM_FUNC_EVERY_ALT)
			n += sim_put_func(p, c + n);
	}
	if (p->func_location == SIM_FUNC_INTERFACE)
		n += sim_put_func(p, c + n);

	c[0] = 9;
	c[1] = USB_DT_CONFIG;
	sim_put16(c + 2, (uint16_t)n);
	c[4] = (uint8_t)(intf + 1);	/* bNumInterfaces */
	c[5] = 1;			/* bConfigurationValue */
	c[6] = 0;
	c[7] = 0x80;			/* bus powered */
	c[8] = 50;			/* 100 mA */
	out->config_len = n;
}

/* Next code point of UTF-8 text; invalid bytes decode as '?'. */
static uint32_t sim_utf8_next(const unsigned char **sp)
{
	const unsigned char *s = *sp;
	uint32_t cp;
	int extra, i;

	if (s[0] < 0x80) {
		*sp = s + 1;
		return s[0];
	}
	if ((s[0] & 0xe0) == 0xc0) {
		cp = s[0] & 0x1f;
		extra = 1;
	} else if ((s[0] & 0xf0) == 0xe0) {
		cp = s[0] & 0x0f;
		extra = 2;
	} else if ((s[0] & 0xf8) == 0xf0) {
		cp = s[0] & 0x07;
		extra = 3;
	} else {
		*sp = s + 1;
		return '?';
	}
	for (i = 1; i <= extra; i++) {
		if ((s[i] & 0xc0) != 0x80) {
			*sp = s + i;
			return '?';
		}
		cp = cp << 6 | (s[i] & 0x3f);
	}
	*sp = s + extra + 1;
	if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return '?';
	return cp;
}

int sim_string(const struct sim_descriptors *ds, unsigned int index, unsigned char *buf,
	       size_t len)
{
	unsigned char d[255];
	const unsigned char *s;
	size_t n = 2, out;

	if (index == 0) {
		d[2] = 0x09;	/* LANGID: English (United States) */
		d[3] = 0x04;
		n = 4;
	} else {
		if (index >= SIM_MAX_STRINGS || !ds->strings[index])
			return -1;
		s = (const unsigned char *)ds->strings[index];
		while (*s) {
			uint32_t cp = sim_utf8_next(&s);

			if (cp >= 0x10000) {
				if (n + 4 > sizeof(d) - 1)
					break;
				cp -= 0x10000;
				sim_put16(d + n, (uint16_t)(0xd800 | (cp >> 10)));
				sim_put16(d + n + 2, (uint16_t)(0xdc00 | (cp & 0x3ff)));
				n += 4;
			} else {
				if (n + 2 > sizeof(d) - 1)
					break;
				sim_put16(d + n, (uint16_t)cp);
				n += 2;
			}
		}
	}
	d[0] = (unsigned char)n;
	d[1] = USB_DT_STRING;
	out = n < len ? n : len;
	memcpy(buf, d, out);
	return (int)out;
}

/* ------------------------------------------------------------ loading */

char *sim_read_text(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf;
	size_t n;

	if (!f)
		return NULL;
	buf = malloc(SIM_FILE_MAX + 1);
	if (!buf) {
		fclose(f);
		errno = ENOMEM;
		return NULL;
	}
	n = fread(buf, 1, SIM_FILE_MAX + 1, f);
	if (ferror(f) || n > SIM_FILE_MAX) {
		fclose(f);
		free(buf);
		errno = n > SIM_FILE_MAX ? EFBIG : EIO;
		return NULL;
	}
	fclose(f);
	buf[n] = '\0';
	return buf;
}

int sim_profile_load(const char *spec, struct sim_profile *p, struct usb_why *why)
{
	char base[SIM_SPEC_MAX], over[SIM_SPEC_MAX + 1];
	const char *colon = strchr(spec, ':'), *text;
	char *file_text = NULL, *s;
	size_t blen = colon ? (size_t)(colon - spec) : strlen(spec);
	char origin[SIM_SPEC_MAX + 32];
	int rc;

	if (blen == 0 || blen >= sizeof(base))
		return usb_why_set(why, USB_ERR_CONFIG,
			"give a built-in profile name or a profile file; '--sim help' lists the names",
				   "invalid simulated device '%s'", spec);
	memcpy(base, spec, blen);
	base[blen] = '\0';

	sim_profile_defaults(p);
	text = sim_profile_builtin(base);
	if (text) {
		snprintf(origin, sizeof(origin), "built-in profile %s", base);
	} else {
		file_text = sim_read_text(base);
		if (!file_text) {
			if (!strchr(base, '/') && !strchr(base, '.'))
				return usb_why_set(why, USB_ERR_CONFIG,
						   "'--sim help' lists the built-in profiles",
						   "unknown simulated device profile '%s'", base);
			return usb_why_set(why, USB_ERR_READ, NULL, "cannot read profile '%s': %s",
					   base, strerror(errno));
		}
		text = file_text;
		snprintf(origin, sizeof(origin), "%s", base);
	}
	rc = sim_profile_parse(p, text, origin, 1, why);
	free(file_text);
	if (rc < 0)
		return rc;

	if (colon) {
		/* the overrides, one per line, parsed as one more profile text */
		snprintf(over, sizeof(over), "%s", colon + 1);
		for (s = over; *s; s++)
			if (*s == ':')
				*s = '\n';
		snprintf(origin, sizeof(origin), "--sim %s", spec);
		rc = sim_profile_parse(p, over, origin, 0, why);
		if (rc < 0)
			return rc;
	}
	return sim_profile_finish(p, spec, why);
}
