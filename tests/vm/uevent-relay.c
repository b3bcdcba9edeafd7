/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright 2026 The dfu-util authors */

/*
 * uevent-relay: the part of udevd that libusb needs, for the VM tier.
 *
 * libusb (built with udev, as Debian builds it) learns of devices that
 * appear after libusb_init() only from udevd's netlink broadcasts, never
 * from the kernel's own uevents; without udevd a device that re-enumerates
 * after a detach is invisible to a running host tool.  udevd itself would
 * drag a dozen libraries into the initramfs, so this program repeats every
 * kernel uevent on udevd's multicast group.  libudev accepts messages in
 * the kernel's format there (its filter passes anything without the
 * libudev header) when they come from root, which they do.
 *
 *   uevent-relay &
 *
 * Built only for the tests; Linux only.  Runs until killed.
 */

#include <config.h>

#include <stdio.h>

#if defined(__linux__)

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/netlink.h>

#define RELAY_GROUP_KERNEL	1u
#define RELAY_GROUP_UDEV	2u

int main(void)
{
	struct sockaddr_nl src, dst;
	static char buf[16384];
	int in, out, size = 1 << 20;
	ssize_t n;

	in = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_KOBJECT_UEVENT);
	out = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_KOBJECT_UEVENT);
	if (in < 0 || out < 0) {
		fprintf(stderr, "uevent-relay: netlink socket: %s\n", strerror(errno));
		return 1;
	}
	/* a burst of events (a gadget rebinding) must not overflow the queue */
	setsockopt(in, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	memset(&src, 0, sizeof(src));
	src.nl_family = AF_NETLINK;
	src.nl_groups = RELAY_GROUP_KERNEL;
	if (bind(in, (struct sockaddr *)&src, sizeof(src)) < 0) {
		fprintf(stderr, "uevent-relay: cannot listen to kernel uevents: %s\n",
			strerror(errno));
		return 1;
	}
	memset(&dst, 0, sizeof(dst));
	dst.nl_family = AF_NETLINK;
	dst.nl_groups = RELAY_GROUP_UDEV;
	for (;;) {
		n = recv(in, buf, sizeof(buf), 0);
		if (n < 0) {
			if (errno == EINTR || errno == ENOBUFS)
				continue;
			fprintf(stderr, "uevent-relay: recv: %s\n", strerror(errno));
			return 1;
		}
		/* ECONNREFUSED only means nobody listens yet */
		if (sendto(out, buf, (size_t)n, 0, (struct sockaddr *)&dst, sizeof(dst)) < 0 &&
		    errno != ECONNREFUSED)
			fprintf(stderr, "uevent-relay: send: %s\n", strerror(errno));
	}
}

#else /* !__linux__ */

int main(void)
{
	fprintf(stderr, "uevent-relay: needs Linux netlink\n");
	return 77;
}

#endif
