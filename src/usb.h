/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright 2026 The dfu-util authors */
#ifndef DFU_USB_H
#define DFU_USB_H

/*
 * The one seam between the DFU logic and USB.  Two backends implement it:
 * usb_libusb.c (the only file that includes <libusb.h>) and usb_sim.c (the
 * simulated devices).  Nothing above this seam knows which one it talks to.
 *
 * Every operation returns >= 0 on success (a byte count for control) and a
 * negative enum usb_err on failure: the only error domain that crosses this
 * seam.  Backends never print.  The caller decides what a failure means and
 * reports it once through log.c (usb_strerror() for the user, usb_errname()
 * and usb_native_error() for -v -v).  What a backend has to say beyond a
 * code travels in two ways, both chosen by the caller:
 *   - a constructor that fails fills a struct usb_why (the sentence naming
 *     the file, line or value at fault, and a hint);
 *   - anything later (a note at exit, state that could not be saved) goes
 *     to the report callback the caller gave the constructor.
 */

#include <stddef.h>
#include <stdint.h>

enum usb_err {
	USB_ERR_IO        = -1001,	/* generic transfer error */
	USB_ERR_STALL     = -1002,	/* the device stalled the request (EPIPE) */
	USB_ERR_NO_DEVICE = -1003,	/* device gone (disconnected or re-enumerated) */
	USB_ERR_ACCESS    = -1004,	/* permission denied */
	USB_ERR_BUSY      = -1005,	/* interface claimed by another program/driver */
	USB_ERR_TIMEOUT   = -1006,
	USB_ERR_NOT_FOUND = -1007,	/* no such config/interface/alt/string */
	USB_ERR_NOMEM     = -1008,
	USB_ERR_OVERFLOW  = -1009,	/* device sent more than asked for */
	USB_ERR_INVALID   = -1010,	/* bad parameter */
	USB_ERR_OTHER     = -1011,
	/* Only from a constructor (the simulator's set-up, struct usb_why says more): */
	USB_ERR_CONFIG    = -1012,	/* a profile, device list or saved state that does not parse */
	USB_ERR_READ      = -1013,	/* a file the backend needs cannot be read */
	USB_ERR_WRITE     = -1014,	/* the backend's own state cannot be created or written */
};

/* A short user sentence for an enum usb_err ("device stalled the request"). */
const char *usb_strerror(int err);
/* The token ("USB_ERR_STALL") for -v output. */
const char *usb_errname(int err);

/*
 * Why a backend could not be set up, for the caller to report once: msg is
 * the error sentence ("x.prof:3: unknown key 'colour'"), hint an optional
 * line under it ("" when none).
 */
struct usb_why {
	char msg[1024];
	char hint[256];
};

#if defined(__GNUC__)
#define USB_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define USB_PRINTF(a, b)
#endif
/* Fill why (when not NULL) with hint (NULL = none) and the message; returns err. */
int usb_why_set(struct usb_why *why, int err, const char *hint, const char *fmt, ...)
	USB_PRINTF(4, 5);

/* What a backend reports after set-up, through the caller's callback. */
enum usb_report {
	USB_REPORT_NOTE,	/* a fact for the user: the virtual clock's summary */
	USB_REPORT_ERROR,	/* something failed that the operation survives (state not saved) */
};
typedef void (*usb_report_fn)(enum usb_report kind, const char *text);

#define USB_MAX_CONFIGS 8

/*
 * One device as seen at enumeration time, before it is opened.  The
 * descriptors are raw bytes exactly as the device would send them: the
 * device descriptor and each configuration descriptor with everything that
 * follows it (interfaces, class descriptors, endpoints), wTotalLength bytes.
 * Parsing is done above the seam (descriptor.c) so that both backends share
 * it and it can be tested and fuzzed.
 */
struct usb_dev_info {
	uint8_t bus;
	uint8_t devnum;
	char path[32];			/* "1-2.3": bus, then port numbers */
	unsigned char dev_desc[18];
	int num_configs;
	unsigned char *config[USB_MAX_CONFIGS];	/* malloc'd, owned by the list */
	size_t config_len[USB_MAX_CONFIGS];
	uintptr_t backend_ref;		/* backend's own identification */
};

struct usb_backend;

/* An open device.  Backends embed or allocate it; callers only pass it on. */
struct usb_handle {
	struct usb_backend *backend;
	void *priv;
};

struct usb_ops {
	const char *name;		/* "libusb", "sim" */

	/* Fresh snapshot of the bus; *list is freed with free_list. */
	int  (*enumerate)(struct usb_backend *be, struct usb_dev_info **list, int *count);
	void (*free_list)(struct usb_backend *be, struct usb_dev_info *list, int count);

	int  (*open)(struct usb_backend *be, const struct usb_dev_info *dev, struct usb_handle **h);
	void (*close)(struct usb_handle *h);

	int  (*get_configuration)(struct usb_handle *h, int *config);
	int  (*set_configuration)(struct usb_handle *h, int config);
	int  (*claim_interface)(struct usb_handle *h, int intf);
	int  (*release_interface)(struct usb_handle *h, int intf);
	int  (*set_alt)(struct usb_handle *h, int intf, int alt);

	/*
	 * One control transfer.  For IN requests (bmRequestType bit 7 set)
	 * data receives up to wLength bytes; returns the number of bytes
	 * transferred.  Standard GET_DESCRIPTOR (strings, functional
	 * descriptors) goes through here too.
	 */
	int  (*control)(struct usb_handle *h, uint8_t bmRequestType, uint8_t bRequest,
			uint16_t wValue, uint16_t wIndex, unsigned char *data,
			uint16_t wLength, unsigned int timeout_ms);

	/*
	 * USB bus reset.  Returns 0, or USB_ERR_NO_DEVICE when the device
	 * re-enumerated as a new device (the handle is then only good for
	 * close()): callers treat both as success.
	 */
	int  (*reset)(struct usb_handle *h);

	/* The clock: the sim backend may run a virtual one. */
	void     (*sleep_ms)(struct usb_backend *be, unsigned int ms);
	uint64_t (*now_ms)(struct usb_backend *be);

	/* Tear down; also frees be. */
	void (*exit)(struct usb_backend *be);

	/*
	 * Optional: the backend's own name for the failure behind the last
	 * negative return ("LIBUSB_ERROR_PIPE"), or NULL.  For -v -v only;
	 * callers show usb_strerror() to the user.
	 */
	const char *(*native_error)(struct usb_backend *be);
};

struct usb_backend {
	const struct usb_ops *ops;
	void *priv;
};

/* Constructors.  Return 0 or a negative enum usb_err. */
int usb_libusb_init(struct usb_backend **be);

struct usb_sim_config {
	const char *devices;	/* "PROFILE[,PROFILE...]": built-in names or profile file paths; NULL = from state dir */
	const char *state_dir;	/* persisted memory, state and request log; NULL = nothing persisted */
	int virtual_clock;	/* 1: sleeps advance a virtual clock instantly */
	usb_report_fn report;	/* NULL: the backend's later messages are dropped */
};
/*
 * On failure: USB_ERR_INVALID (a device list that is not one, or no devices
 * at all), USB_ERR_CONFIG (a profile or saved state that does not parse),
 * USB_ERR_READ, USB_ERR_WRITE or USB_ERR_NOMEM, with why filled in.  The
 * simulator's request trace is the file requests.log in the state
 * directory, never a message.
 */
int usb_sim_init(struct usb_backend **be, const struct usb_sim_config *cfg, struct usb_why *why);

/*
 * *out passes every call on to inner under one mutex, for several threads
 * on a backend that is one shared object (the simulator, with --all).
 * lock_sleep 0 leaves sleep_ms unlocked (a real clock's sleeps overlap).
 * Its exit also tears down inner.
 */
int usb_lock_wrap(struct usb_backend *inner, int lock_sleep, struct usb_backend **out);

/* Convenience wrappers so callers read naturally. */
static inline int usb_control(struct usb_handle *h, uint8_t rt, uint8_t req, uint16_t val,
			      uint16_t idx, unsigned char *data, uint16_t len, unsigned int tmo)
{
	return h->backend->ops->control(h, rt, req, val, idx, data, len, tmo);
}
static inline void usb_sleep_ms(struct usb_backend *be, unsigned int ms)
{
	be->ops->sleep_ms(be, ms);
}
static inline uint64_t usb_now_ms(struct usb_backend *be)
{
	return be->ops->now_ms(be);
}
static inline const char *usb_native_error(struct usb_backend *be)
{
	return be->ops->native_error ? be->ops->native_error(be) : NULL;
}

#endif
