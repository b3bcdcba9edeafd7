/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright 2026 The dfu-util authors */

#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include "compat.h"
#include "dfu_file.h"
#include "errors.h"
#include "log.h"

/*
 * CRC-32 as DFU 1.1 Annex B describes it: the reflected polynomial
 * 0xEDB88320, processed a nibble at a time.  The 16-entry table is the
 * CRC of each nibble value; it is small enough to keep in the code and
 * fast enough for firmware images.
 */
static const uint32_t crc_nibble[16] = {
	0x00000000, 0x1db71064, 0x3b6e20c8, 0x26d930ac,
	0x76dc4190, 0x6b6b51f4, 0x4db26158, 0x5005713c,
	0xedb88320, 0xf00f9344, 0xd6d6a3e8, 0xcb61b38c,
	0x9b64c2b0, 0x86d3d2d4, 0xa00ae278, 0xbdbdf21c,
};

uint32_t dfu_crc32(uint32_t crc, const unsigned char *buf, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		crc ^= buf[i];
		crc = (crc >> 4) ^ crc_nibble[crc & 0x0f];
		crc = (crc >> 4) ^ crc_nibble[crc & 0x0f];
	}
	return crc;
}

static uint16_t get16(const unsigned char *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t get32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void put16(unsigned char *p, uint16_t v)
{
	p[0] = v & 0xff;
	p[1] = v >> 8;
}

static void put32(unsigned char *p, uint32_t v)
{
	p[0] = v & 0xff;
	p[1] = (v >> 8) & 0xff;
	p[2] = (v >> 16) & 0xff;
	p[3] = v >> 24;
}

/*
 * The suffix is the last 16 bytes: bcdDevice, idProduct, idVendor, bcdDFU
 * (little-endian), the signature bytes 'U' 'F' 'D', bLength, dwCRC.  The
 * CRC covers everything before dwCRC, suffix included.
 */
enum dfu_suffix_result dfu_suffix_parse(const unsigned char *buf, size_t len, struct dfu_suffix *out)
{
	const unsigned char *p;

	memset(out, 0, sizeof(*out));
	if (len < DFU_SUFFIX_LEN)
		return SUFFIX_NONE;
	p = buf + len - DFU_SUFFIX_LEN;
	if (p[8] != 'U' || p[9] != 'F' || p[10] != 'D')
		return SUFFIX_NONE;

	out->bcdDevice = get16(p);
	out->idProduct = get16(p + 2);
	out->idVendor = get16(p + 4);
	out->bcdDFU = get16(p + 6);
	out->bLength = p[11];
	out->dwCRC = get32(p + 12);
	if (out->bLength < DFU_SUFFIX_LEN || out->bLength > len)
		return SUFFIX_BAD_LENGTH;
	if (dfu_crc32(0xffffffffu, buf, len - 4) != out->dwCRC)
		return SUFFIX_BAD_CRC;
	return SUFFIX_OK;
}

void dfu_suffix_build(const unsigned char *data, size_t len, const struct dfu_suffix *s,
		      unsigned char out[DFU_SUFFIX_LEN])
{
	put16(out, s->bcdDevice);
	put16(out + 2, s->idProduct);
	put16(out + 4, s->idVendor);
	put16(out + 6, s->bcdDFU);
	out[8] = 'U';
	out[9] = 'F';
	out[10] = 'D';
	/* We only ever write the 16 bytes we know, so that is the length. */
	out[11] = DFU_SUFFIX_LEN;
	put32(out + 12, dfu_crc32(dfu_crc32(0xffffffffu, data, len), out, 12));
}

static const char *dfu_display_name(const char *name)
{
	return strcmp(name, "-") == 0 ? "standard input" : name;
}

/* Read all of fd into a malloc'd buffer; returns 0 or an errno value. */
static int dfu_read_all(int fd, unsigned char **data, size_t *size)
{
	size_t cap = 65536, len = 0;
	unsigned char *buf = malloc(cap);

	if (!buf)
		return ENOMEM;
	for (;;) {
		ssize_t n;

		if (len == cap) {
			unsigned char *nbuf;

			if (cap > (size_t)-1 / 2) {
				free(buf);
				return EFBIG;
			}
			nbuf = realloc(buf, cap * 2);
			if (!nbuf) {
				free(buf);
				return ENOMEM;
			}
			buf = nbuf;
			cap *= 2;
		}
		n = read(fd, buf + len, cap - len);
		if (n < 0) {
			int e = errno;

			if (e == EINTR)
				continue;
			free(buf);
			return e;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	*data = buf;
	*size = len;
	return 0;
}

int dfu_file_load(const char *name, struct dfu_file *f)
{
	const char *shown = dfu_display_name(name);
	int is_stdin = strcmp(name, "-") == 0;
	int fd, err;

	memset(f, 0, sizeof(*f));
	f->name = name;
	fd = is_stdin ? STDIN_FILENO : open(name, O_RDONLY | O_BINARY);
	if (fd < 0) {
		log_error("cannot open '%s': %s", shown, strerror(errno));
		return DFU_E_NOINPUT;
	}
	err = dfu_read_all(fd, &f->data, &f->size);
	if (!is_stdin)
		close(fd);
	if (err == ENOMEM) {
		log_error("out of memory reading '%s'", shown);
		return DFU_E_NOMEM;
	}
	if (err) {
		log_error("cannot read '%s': %s", shown, strerror(err));
		return DFU_E_NOINPUT;
	}

	f->suffix_result = dfu_suffix_parse(f->data, f->size, &f->suffix);
	switch (f->suffix_result) {
	case SUFFIX_OK:
		f->payload_size = f->size - f->suffix.bLength;
		return 0;
	case SUFFIX_NONE:
		f->payload_size = f->size;
		return 0;
	case SUFFIX_BAD_CRC:
		log_error("'%s': DFU suffix CRC mismatch (stored 0x%08x, computed 0x%08x): the file is corrupt",
			  shown, (unsigned int)f->suffix.dwCRC,
			  (unsigned int)dfu_crc32(0xffffffffu, f->data, f->size - 4));
		break;
	case SUFFIX_BAD_LENGTH:
		log_error("'%s': DFU suffix length %u is invalid for a %zu byte file: the file is corrupt",
			  shown, (unsigned int)f->suffix.bLength, f->size);
		break;
	}
	dfu_file_free(f);
	return DFU_E_DATA;
}

void dfu_file_free(struct dfu_file *f)
{
	free(f->data);
	f->data = NULL;
	f->size = 0;
	f->payload_size = 0;
}

static void dfu_outfile_reset(struct dfu_outfile *o)
{
	free(o->final_name);
	free(o->tmp_name);
	o->final_name = NULL;
	o->tmp_name = NULL;
	o->fd = -1;
}

/* "-" or an existing character device or FIFO: no temporary file, no rename. */
static int dfu_outfile_open_stream(struct dfu_outfile *o, const char *name)
{
	o->stream = 1;
	o->final_name = strdup(strcmp(name, "-") == 0 ? "standard output" : name);
	if (!o->final_name) {
		log_error("out of memory");
		return DFU_E_NOMEM;
	}
	if (strcmp(name, "-") == 0) {
		o->fd = STDOUT_FILENO;
		return 0;
	}
	o->fd = open(name, O_WRONLY | O_NOCTTY | O_BINARY);
	if (o->fd < 0) {
		log_error("cannot open '%s' for writing: %s", name, strerror(errno));
		dfu_outfile_reset(o);
		return DFU_E_CANTCREAT;
	}
	return 0;
}

int dfu_outfile_is_stdout(const struct dfu_outfile *o)
{
	if (!o->stream || o->fd < 0)
		return 0;
	if (o->fd == STDOUT_FILENO)
		return 1;
	return compat_same_file(o->fd, STDOUT_FILENO);
}

int dfu_outfile_open(struct dfu_outfile *o, const char *name)
{
	struct stat sb;
	size_t n = strlen(name);

	memset(o, 0, sizeof(*o));
	o->fd = -1;
	/* Streams cannot be overwritten, only written: /dev/stdout, a pipe. */
	if (strcmp(name, "-") == 0 ||
	    (stat(name, &sb) == 0 && (S_ISCHR(sb.st_mode) || S_ISFIFO(sb.st_mode))))
		return dfu_outfile_open_stream(o, name);
	/* lstat, so a dangling symlink counts as existing too. */
	if (compat_lstat(name, &sb) == 0) {
		log_error("'%s' exists; refusing to overwrite", name);
		log_hint("choose another name or remove the file first");
		return DFU_E_CANTCREAT;
	}
	if (errno != ENOENT) {
		log_error("cannot create '%s': %s", name, strerror(errno));
		return DFU_E_CANTCREAT;
	}

	o->final_name = strdup(name);
	o->tmp_name = malloc(n + sizeof(".XXXXXX"));
	if (!o->final_name || !o->tmp_name) {
		dfu_outfile_reset(o);
		log_error("out of memory");
		return DFU_E_NOMEM;
	}
	memcpy(o->tmp_name, name, n);
	memcpy(o->tmp_name + n, ".XXXXXX", sizeof(".XXXXXX"));
	o->fd = compat_mkstemp(o->tmp_name);
	if (o->fd < 0) {
		log_error("cannot create '%s': %s", name, strerror(errno));
		dfu_outfile_reset(o);
		return DFU_E_CANTCREAT;
	}
	/* mkstemp makes 0600; the result should look like any file the user creates. */
	if (compat_fchmod(o->fd, compat_new_file_mode()) < 0)
		log_debug(1, "cannot set the mode of '%s': %s", o->tmp_name, strerror(errno));
	return 0;
}

int dfu_outfile_open_replace(struct dfu_outfile *o, const char *name)
{
	struct stat sb;
	char *target = NULL;
	mode_t mode;
	size_t n;

	memset(o, 0, sizeof(*o));
	o->fd = -1;
	if (compat_lstat(name, &sb) == 0 && S_ISLNK(sb.st_mode)) {
		/* Replacing the link itself would silently detach it from its file. */
		target = compat_realpath(name);
		if (!target) {
			log_error("cannot follow the link '%s': %s", name, strerror(errno));
			return DFU_E_CANTCREAT;
		}
	} else {
		target = strdup(name);
		if (!target) {
			log_error("out of memory");
			return DFU_E_NOMEM;
		}
	}
	if (stat(target, &sb) == 0) {
		if (!S_ISREG(sb.st_mode)) {
			log_error("cannot replace '%s': not a regular file", name);
			free(target);
			return DFU_E_CANTCREAT;
		}
		/*
		 * rename() needs only the directory's permission: without this
		 * a read-only file would be replaced all the same.
		 */
		if (access(target, W_OK) < 0) {
			log_error("cannot write '%s': %s", name, strerror(errno));
			log_hint("the file is left as it was");
			free(target);
			return DFU_E_CANTCREAT;
		}
		mode = sb.st_mode & 07777;
	} else if (errno == ENOENT) {
		mode = compat_new_file_mode();
	} else {
		log_error("cannot create '%s': %s", name, strerror(errno));
		free(target);
		return DFU_E_CANTCREAT;
	}

	n = strlen(target);
	o->final_name = target;
	o->tmp_name = malloc(n + sizeof(".XXXXXX"));
	if (!o->tmp_name) {
		dfu_outfile_reset(o);
		log_error("out of memory");
		return DFU_E_NOMEM;
	}
	memcpy(o->tmp_name, target, n);
	memcpy(o->tmp_name + n, ".XXXXXX", sizeof(".XXXXXX"));
	o->fd = compat_mkstemp(o->tmp_name);
	if (o->fd < 0) {
		log_error("cannot create a temporary file next to '%s': %s", name, strerror(errno));
		dfu_outfile_reset(o);
		return DFU_E_CANTCREAT;
	}
	if (compat_fchmod(o->fd, mode) < 0)
		log_debug(1, "cannot set the mode of '%s': %s", o->tmp_name, strerror(errno));
	o->replace = 1;
	return 0;
}

int dfu_file_replace(const char *name, const unsigned char *data, size_t len)
{
	struct dfu_outfile o;
	int err;

	err = dfu_outfile_open_replace(&o, name);
	if (err == 0)
		err = dfu_outfile_write(&o, data, len);
	if (err == 0)
		err = dfu_outfile_commit(&o);
	dfu_outfile_abort(&o);
	return err;
}

int dfu_outfile_write(void *ctx, const unsigned char *data, size_t len)
{
	struct dfu_outfile *o = ctx;

	while (len > 0) {
		ssize_t n = write(o->fd, data, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			log_error("cannot write '%s': %s", o->final_name, strerror(errno));
			return DFU_E_CANTCREAT;
		}
		data += n;
		len -= (size_t)n;
		o->written += (uint64_t)n;
	}
	return 0;
}

int dfu_outfile_commit(struct dfu_outfile *o)
{
	int e;

	if (o->stream) {
		/* Nothing to place; standard output stays open for the messages' sake. */
		if (o->fd != STDOUT_FILENO && close(o->fd) < 0) {
			o->fd = -1;
			log_error("cannot write '%s': %s", o->final_name, strerror(errno));
			return DFU_E_CANTCREAT;
		}
		o->fd = -1;
		return 0;
	}

	if (compat_fsync(o->fd) < 0 && errno != EINVAL && errno != EROFS) {
		log_error("cannot write '%s': %s", o->final_name, strerror(errno));
		dfu_outfile_abort(o);
		return DFU_E_CANTCREAT;
	}
	e = close(o->fd);
	o->fd = -1;
	if (e < 0) {
		log_error("cannot write '%s': %s", o->final_name, strerror(errno));
		dfu_outfile_abort(o);
		return DFU_E_CANTCREAT;
	}
	/* Never replace a file an upload names; -o in place (replace) does. */
	if (o->replace)
		e = compat_rename_replace(o->tmp_name, o->final_name);
	else
		e = compat_rename_noreplace(o->tmp_name, o->final_name);
	if (e == EEXIST) {
		/* Someone created it while we uploaded: keep both, say where ours is. */
		log_error("'%s' appeared during the upload; refusing to overwrite", o->final_name);
		log_hint("the uploaded data is in '%s'", o->tmp_name);
		dfu_outfile_reset(o);
		return DFU_E_CANTCREAT;
	}
	if (e) {
		log_error("cannot create '%s': %s", o->final_name, strerror(e));
		dfu_outfile_abort(o);
		return DFU_E_CANTCREAT;
	}
	/* final_name stays for the caller's message; dfu_outfile_abort frees it. */
	free(o->tmp_name);
	o->tmp_name = NULL;
	return 0;
}

void dfu_outfile_abort(struct dfu_outfile *o)
{
	if (o->stream) {
		if (o->fd >= 0 && o->fd != STDOUT_FILENO)
			close(o->fd);
		o->stream = 0;
	} else if (o->fd >= 0) {
		close(o->fd);
	}
	if (o->tmp_name)
		unlink(o->tmp_name);
	dfu_outfile_reset(o);
}
