/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright 2026 The dfu-util authors */
#ifndef DFU_SIM_H
#define DFU_SIM_H

/*
 * The simulated DFU device: a model of a USB DFU 1.1 device, driven by the
 * requests a host sends it.  It is a device, not a mock: it keeps its own
 * state machine, memory and timers and refuses what the specification
 * forbids, so the host code is tested against the protocol rather than
 * against itself.
 *
 * The model does no I/O and has no clock: every entry point takes the
 * current time in microseconds.  Two front ends drive it: usb_sim.c (the
 * USB seam, for the unit and scenario tests and --sim) and the USB gadget
 * in tests/gadget/ (through FunctionFS, for the VM tier), which only
 * forwards class requests; so the standard requests (GET_DESCRIPTOR,
 * SET_INTERFACE) live in the front end, built from sim_build_descriptors()
 * and sim_string().
 *
 * sim_profile.c holds the profile text format, the built-in profiles and
 * the descriptor builder; both front ends load profiles through it.
 *
 * Nothing here prints: a failure returns a negative enum usb_err (the
 * seam's one error domain) and fills a struct usb_why for the front end
 * to report.
 */

#include <stddef.h>
#include <stdint.h>
#include "dfu_proto.h"
#include "dfuse_map.h"
#include "usb.h"

/* ------------------------------------------------------------ profiles */

#define SIM_NAME_MAX	64
#define SIM_STR_MAX	128	/* bytes of UTF-8 per string, including NUL */
#define SIM_MAX_ALTS	16
#define SIM_MAX_INTF	8	/* DFU interface number limit (placeholders before it) */
#define SIM_MAX_BUS_DELAY_MS	3600000u	/* reenum_ms, appear_ms: an hour at most */

/* Where the DFU functional descriptor is placed (profile key func_location). */
enum sim_func_loc {
	SIM_FUNC_INTERFACE = 0,	/* after the last alt setting of the DFU interface */
	SIM_FUNC_EVERY_ALT,	/* after every alt setting */
	SIM_FUNC_CONFIG,	/* right after the configuration header */
	SIM_FUNC_REQUEST,	/* not in the configuration: GET_DESCRIPTOR 0x21 only */
	SIM_FUNC_NONE,		/* nowhere (host must assume DFU 1.0 defaults) */
};

/* What a USB reset in DFU mode does once the firmware is valid. */
enum sim_after {
	SIM_AFTER_RUNTIME = 0,	/* run the application: run-time mode if the profile has one, else idle */
	SIM_AFTER_IDLE,		/* stay in DFU mode, dfuIDLE */
	SIM_AFTER_VANISH,	/* disconnect and never come back */
};

/* DfuSe: erase time of one page of a given size (profile key erase_ms). */
#define SIM_MAX_ERASE_TIMES	8
struct sim_erase_time {
	uint32_t size;		/* page size in bytes; 0 = every other size */
	uint32_t ms;
};

/* DfuSe: initial content of an address range (profile key fill). */
#define SIM_MAX_FILLS		8
#define SIM_FILL_PATTERN	0x100	/* value: the address pattern, not a byte */
struct sim_fill {
	uint32_t addr;
	uint32_t len;
	uint32_t value;		/* a byte, or SIM_FILL_PATTERN */
};

/*
 * Fault injection (profile key fault, "ACTION@TRIGGER"; doc/sim-profile.txt):
 * what goes wrong, and at which request.
 */
#define SIM_MAX_FAULTS		8
enum sim_fault_action {
	SIM_FAULT_STALL = 0,	/* that request stalls once, unseen by the device (a glitch) */
	SIM_FAULT_STALL_ALWAYS,	/* it and every later request of its kind stall */
	SIM_FAULT_GONE,		/* the device disconnects instead of answering */
	SIM_FAULT_STATUS,	/* refused with a status: a block or command is not carried
				   out and its status wait ends in dfuERROR; anything else
				   stalls into dfuERROR with that status */
	SIM_FAULT_BUSY,		/* after that request the device never leaves dfuDNBUSY */
	SIM_FAULT_POLL,		/* the next busy status reply says bwPollTimeout = value */
	SIM_FAULT_SIGNAL,	/* after answering, the simulator raises signal value */
	SIM_FAULT_FLIP,		/* a data block is stored with one bit wrong, status OK */
};
enum sim_fault_when {
	SIM_WHEN_REQUEST = 0,	/* the n-th class request of kind request in this run */
	SIM_WHEN_BLOCK,		/* a data DNLOAD with wBlockNum n */
	SIM_WHEN_ADDRESS,	/* a data DNLOAD/UPLOAD or DfuSe erase touching address n */
	SIM_WHEN_ERASE,		/* the n-th DfuSe page erase command of this run */
};
struct sim_fault {
	uint8_t action;		/* enum sim_fault_action */
	uint8_t when;		/* enum sim_fault_when */
	uint8_t request;	/* enum dfu_request, for SIM_WHEN_REQUEST */
	uint32_t value;		/* status, bwPollTimeout or signal number */
	uint32_t n;		/* request count, block number or address */
};

/* Broken descriptors (profile key desc_fault). */
enum sim_desc_fault {
	SIM_DESC_OK = 0,
	SIM_DESC_FUNC_BLENGTH_0,	/* functional descriptor with bLength 0 */
	SIM_DESC_FUNC_BLENGTH_LONG,	/* functional descriptor bLength past wTotalLength */
	SIM_DESC_STRING_SURROGATE,	/* strings hold a lone UTF-16 surrogate */
	SIM_DESC_STRING_ODD,		/* string bLength odd: half a character */
	SIM_DESC_STRING_SHORT,		/* string bLength claims more than is sent */
};

struct sim_profile {
	char name[SIM_NAME_MAX];
	uint16_t vendor, product;		/* DFU mode */
	int has_runtime;			/* runtime_vendor/product given */
	uint16_t runtime_vendor, runtime_product;
	uint16_t bcd_device;
	uint16_t bcd_usb;
	char manufacturer[SIM_STR_MAX];
	char product_name[SIM_STR_MAX];
	char serial[SIM_STR_MAX];
	char runtime_name[SIM_STR_MAX];		/* run-time interface string */
	uint16_t dfu_version;			/* bcdDFUVersion */
	uint8_t attributes;			/* bmAttributes */
	uint16_t detach_timeout;		/* wDetachTimeOut, ms */
	uint16_t transfer_size;			/* wTransferSize */
	uint16_t buffer_size;			/* plain DFU: what a request may carry;
						   0 = transfer_size */
	uint8_t func_length;			/* 9, or 7 for DFU 1.0 */
	enum sim_func_loc func_location;
	uint8_t dfu_protocol;			/* DFU-mode bInterfaceProtocol: 2, or 0 */
	uint8_t interface;			/* DFU interface number in DFU mode */
	uint8_t runtime_interface;		/* ... and in run-time mode */
	int n_alts;
	char alt[SIM_MAX_ALTS][SIM_STR_MAX];
	uint32_t memory_size;
	uint32_t firmware_size;			/* initial image size */
	uint32_t dnload_busy_ms;
	uint32_t poll_timeout_ms;		/* bwPollTimeout the device reports */
	uint32_t manifest_ms;
	enum sim_after after_manifest;
	int state;				/* initial enum dfu_state, -1 = default */
	int status;				/* initial enum dfu_status, -1 = default */
	/* DfuSe (ST AN3156): memory maps come from the alt strings */
	uint8_t dfuse;				/* 1 = DfuSe model (default: dfu_version 0x011a) */
	uint32_t set_address_ms;		/* busy time of Set Address Pointer */
	uint32_t mass_erase_ms;			/* 0 = the sum of the page erase times */
	uint32_t write_ms;			/* busy time per data block */
	int n_erase_times;
	struct sim_erase_time erase_time[SIM_MAX_ERASE_TIMES];
	int n_fills;
	struct sim_fill fill[SIM_MAX_FILLS];
	uint8_t idle_poll;			/* dfuDNLOAD-IDLE repeats the last bwPollTimeout */
	uint8_t block_by_wlength;		/* DfuSe: block n at pointer + (n - 2) * wLength */
	uint8_t detach_in_dfu;			/* DFU_DETACH in dfuIDLE leaves (Arduino boot loaders) */
	uint8_t leave_status;			/* 1: leave answers one GETSTATUS; 0: gone at once;
						   2: gone before it completes the leave DNLOAD */
	uint8_t runtime_protocol;		/* run-time bInterfaceProtocol: 1, or 0 (TDK) */
	uint8_t busy_nak;			/* 1: NAK requests while busy (STM32 ROM erase) */
	uint32_t detach_self_ms;		/* >0: after DETACH it re-enumerates by itself
						   this much later; a reset before sends it back
						   to the application */
	uint32_t reenum_ms;			/* off the bus while re-enumerating */
	uint32_t appear_ms;			/* plugged in this long after the bus is created */
	uint8_t dfu_hub_port;			/* DFU mode on this port of a hub inside the
						   device (path "1-N.P"); 0 = its own port */
	uint32_t usb_overhead_us;		/* virtual cost of one control transfer */
	uint32_t usb_byte_ns;			/* ... plus this per data byte */
	int n_faults;
	struct sim_fault fault[SIM_MAX_FAULTS];
	uint8_t desc_fault;			/* enum sim_desc_fault */
	uint8_t no_access;			/* 1: this user may not open it (no udev rule) */
	uint64_t seen;				/* parser: bit per key given */
};

/* Defaults for every key (name and ids left empty). */
void sim_profile_defaults(struct sim_profile *p);

/*
 * Parse profile text into p (which the caller has set to defaults, or to a
 * profile being overridden).  origin names the text in messages ("file
 * x.prof", "built-in profile dfu-plain").  require_ids: 1 = vendor and
 * product must be present.  On error returns USB_ERR_CONFIG with why saying
 * "ORIGIN:LINE: what".
 */
int sim_profile_parse(struct sim_profile *p, const char *text, const char *origin,
		      int require_ids, struct usb_why *why);

/* Set one key; 0 or USB_ERR_CONFIG, why naming origin and line. */
int sim_profile_set(struct sim_profile *p, const char *key, const char *value,
		    const char *origin, int line, struct usb_why *why);

/*
 * After parsing and overrides: resolve derived defaults (one unnamed alt
 * when none was given, firmware_size = memory_size when not given) and
 * check the whole profile; 0 or USB_ERR_CONFIG (why says what is wrong).
 */
int sim_profile_finish(struct sim_profile *p, const char *origin, struct usb_why *why);

/* Built-in profile text by name, NULL when unknown. */
const char *sim_profile_builtin(const char *name);

/*
 * Build a profile from SPEC = NAME|PATH[:key=value...], as --sim takes it
 * and as the FunctionFS gadget serves it: a built-in profile or a profile
 * file, then the overrides.  Returns 0, USB_ERR_READ (profile file
 * unreadable) or USB_ERR_CONFIG, with why filled in.
 */
#define SIM_SPEC_MAX	512
int sim_profile_load(const char *spec, struct sim_profile *p, struct usb_why *why);

/* Read a whole small text file (a profile, simulator state), NUL-terminated; NULL with errno set. */
#define SIM_FILE_MAX	(64 * 1024)
char *sim_read_text(const char *path);
/* NULL-terminated list of built-in names, for "--sim help". */
const char *const *sim_profile_names(void);
/* The key table, for its self-check in tests/test_sim.c. */
int sim_profile_key_count(void);
const char *sim_profile_key_name(int i);
/* One-line description of a built-in profile ("" when unknown). */
const char *sim_profile_summary(const char *name);

/* ------------------------------------------------------------ descriptors */

#define SIM_CONFIG_MAX	512
#define SIM_MAX_STRINGS	(4 + SIM_MAX_ALTS)

/* The raw descriptors of the current mode, as the device sends them. */
struct sim_descriptors {
	unsigned char device[18];
	unsigned char config[SIM_CONFIG_MAX];
	size_t config_len;
	unsigned char func[9];			/* the functional descriptor alone */
	size_t func_len;			/* 0: the profile has none */
	const char *strings[SIM_MAX_STRINGS];	/* [i] = UTF-8 of string index i, NULL = none */
	int n_strings;
};

struct sim_device;

/* Build the descriptors for the device's current mode. */
void sim_build_descriptors(const struct sim_device *d, struct sim_descriptors *out);

/*
 * Encode string descriptor index (0 = the LANGID list, 0x0409) into buf as
 * UTF-16LE.  Returns the descriptor length (truncated to len), or -1 when
 * the index does not exist.
 */
int sim_string(const struct sim_descriptors *ds, unsigned int index, unsigned char *buf,
	       size_t len);

/* ------------------------------------------------------------ the model */

/* sim_control results besides a byte count */
#define SIM_STALL	(-1)
#define SIM_GONE	(-2)
#define SIM_TIMEOUT	(-3)	/* front ends only: the request was not answered */

/*
 * Device memory as a list of regions.  In plain DFU there is one, region 0,
 * which every alt setting reads and writes.  A DfuSe device has one region
 * per run of contiguous segments of each alt's memory map.
 */
#define SIM_MAX_REGIONS	32
struct sim_region {
	int alt;			/* DfuSe: the alt setting it belongs to; plain: -1 */
	uint32_t start;			/* address of data[0] (DfuSe) */
	uint32_t size;
	unsigned char *data;
	uint32_t image_size;		/* bytes of firmware UPLOAD returns (plain) */
	int dirty;			/* changed since loaded or saved */
};

/* What the GETSTATUS after a DfuSe DNLOAD does (besides the busy time). */
enum sim_dfuse_pending {
	SIM_PENDING_NONE = 0,
	SIM_PENDING_DONE,		/* then dfuDNLOAD-IDLE, or dfuERROR with pending_status */
	SIM_PENDING_UNPROTECT,		/* answer dfuDNBUSY, mass erase, reset */
	SIM_PENDING_LEAVE,		/* answer dfuMANIFEST, leave DFU mode */
};

#define SIM_NOTE_MAX	160

enum sim_mode { SIM_MODE_RUNTIME = 0, SIM_MODE_DFU = 1 };

struct sim_counters {
	unsigned long requests[7];	/* per enum dfu_request */
	unsigned long stalls;
	unsigned long resets;
	uint64_t busy_us;		/* sum of busy periods imposed */
	uint64_t away_us;		/* time off the bus while re-enumerating */
	unsigned long violations;	/* DfuSe: writes that needed a 0 -> 1 bit change */
	unsigned long erases;		/* DfuSe page erase commands in this run */
};

struct sim_device {
	struct sim_profile prof;
	enum sim_mode mode;
	int state;			/* enum dfu_state */
	int status;			/* enum dfu_status */
	int gone;			/* disconnected for good */
	unsigned int generation;	/* bumped at every re-enumeration */
	uint8_t devnum;			/* set by the front end; 0 = needs one */
	int alt;			/* current alt setting of the DFU interface */

	int n_regions;
	struct sim_region region[SIM_MAX_REGIONS];

	/* download / upload bookkeeping */
	uint16_t dl_block;		/* next expected block number */
	uint32_t dl_offset;		/* write offset in the region */
	uint32_t ul_offset;		/* read offset of the next UPLOAD */
	int block_done;			/* DNLOAD-SYNC: last block has been written */
	int fw_valid;			/* 0 from the first block until manifestation ends */
	int manifest_done;		/* MANIFEST-SYNC: manifestation finished */

	/* timers, device time in microseconds */
	uint64_t busy_until_us;
	uint64_t detach_until_us;	/* appDETACH ends here without a reset */
	uint64_t away_until_us;		/* resetting: not on the bus until then */

	/* DfuSe */
	struct dfuse_map *maps;		/* [prof.n_alts], NULL for plain DFU */
	uint32_t address;		/* the address pointer */
	int pending;			/* enum sim_dfuse_pending */
	int pending_status;		/* enum dfu_status once the busy time is over */
	uint32_t pending_ms;		/* the busy time (and bwPollTimeout) */
	uint32_t last_poll_ms;		/* last bwPollTimeout sent (idle_poll) */

	/* injected faults: not saved, so each run counts requests afresh */
	uint8_t fault_fired[SIM_MAX_FAULTS];
	unsigned int stall_always;	/* bit per enum dfu_request */
	int busy_forever;		/* SIM_FAULT_BUSY happened */
	uint32_t fault_poll;		/* SIM_FAULT_POLL: bwPollTimeout + 1, 0 = none */
	int raise_signal;		/* for the front end: raise this after the request */
	int flip_pending;		/* SIM_FAULT_FLIP: the data block now taken is stored wrong */
	int unanswered;			/* for the front end: the device left during this
					   request, which never completes (times out) */

	/* what the last request did, for the front end's log ("" = nothing) */
	char note[SIM_NOTE_MAX];

	struct sim_counters count;
};

/*
 * Create the device from a checked profile: memory filled with a
 * deterministic pattern, mode and state from the profile.  0,
 * USB_ERR_NOMEM or USB_ERR_CONFIG (a DfuSe map the model cannot back),
 * with why filled in.
 */
int sim_init(struct sim_device *d, const struct sim_profile *p, struct usb_why *why);
void sim_free(struct sim_device *d);

/* Restore the profile's initial mode and state (memory untouched). */
void sim_reset_state(struct sim_device *d);

/*
 * One class request to the DFU interface (wIndex already checked by the
 * front end).  Returns the bytes transferred (IN: written into data), or
 * SIM_STALL, or SIM_GONE when the device has disconnected.
 */
int sim_control(struct sim_device *d, uint64_t now_us, uint8_t bmRequestType, uint8_t bRequest,
		uint16_t wValue, uint16_t wIndex, unsigned char *data, uint16_t wLength);

/*
 * USB bus reset.  Returns 0 (same device, same address), 1 (the device
 * re-enumerated: new mode or descriptors; generation bumped, devnum set to
 * 0 for the front end to assign) or SIM_GONE (it disconnected).
 */
int sim_bus_reset(struct sim_device *d, uint64_t now_us);

/* SET_INTERFACE on the DFU interface: 0 or SIM_STALL (no such alt). */
int sim_set_alt(struct sim_device *d, int alt);

/* Let timers run out (detach timer, busy periods); the entry points call it. */
void sim_tick(struct sim_device *d, uint64_t now_us);

/* 1 when the device follows the DfuSe model. */
int sim_is_dfuse(const struct sim_device *d);

/*
 * DfuSe: the byte pattern "fill = ADDR LEN pattern" puts at address addr,
 * so tests can predict it.
 */
unsigned char sim_pattern_byte(uint32_t addr);

/* DfuSe: the erase time of one page of page_size bytes (profile erase_ms). */
uint32_t sim_erase_ms(const struct sim_profile *p, uint32_t page_size);

/* Number of alt settings of the DFU interface in the current mode. */
int sim_num_alts(const struct sim_device *d);
/* DFU interface number in the current mode. */
int sim_interface(const struct sim_device *d);

#endif
