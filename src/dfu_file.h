/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright 2026 The dfu-util authors */
#ifndef DFU_DFU_FILE_H
#define DFU_DFU_FILE_H

/*
 * Firmware files: reading them whole, the DFU suffix (DFU 1.1 Annex B) and
 * its CRC, and writing upload files safely.
 */

#include <stddef.h>
#include <stdint.h>

#define DFU_SUFFIX_LEN 16

struct dfu_suffix {
	uint16_t bcdDevice;
	uint16_t idProduct;
	uint16_t idVendor;
	uint16_t bcdDFU;
	uint8_t  bLength;
	uint32_t dwCRC;
};

enum dfu_suffix_result {
	SUFFIX_NONE = 0,	/* no "UFD" signature */
	SUFFIX_OK,
	SUFFIX_BAD_CRC,		/* signature present, CRC wrong: a corrupt file */
	SUFFIX_BAD_LENGTH,	/* bLength < 16 or larger than the file */
};

struct dfu_file {
	const char *name;	/* as given, "-" for stdin */
	unsigned char *data;	/* whole file */
	size_t size;
	size_t payload_size;	/* bytes to send: size minus the suffix */
	enum dfu_suffix_result suffix_result;
	struct dfu_suffix suffix;	/* valid when suffix_result == SUFFIX_OK */
};

/* CRC as DFU 1.1 Annex B: CRC-32 (reflected 0xEDB88320), initial ~0, no final xor. */
uint32_t dfu_crc32(uint32_t crc, const unsigned char *buf, size_t len);

/* Pure: examine the last bytes of buf. */
enum dfu_suffix_result dfu_suffix_parse(const unsigned char *buf, size_t len, struct dfu_suffix *out);

/* Encode a suffix (CRC computed over data + the first 12 suffix bytes) into out[16]. */
void dfu_suffix_build(const unsigned char *data, size_t len, const struct dfu_suffix *s,
		      unsigned char out[DFU_SUFFIX_LEN]);

/*
 * Read a whole file ("-" = stdin) and classify its suffix.  Reports and
 * returns DFU_E_NOINPUT when it cannot be read, DFU_E_DATA for a corrupt
 * suffix (bad CRC, bad length).  A missing suffix is not an error here.
 */
int dfu_file_load(const char *name, struct dfu_file *f);
void dfu_file_free(struct dfu_file *f);

/*
 * Upload output: refuse an existing file (DFU_E_CANTCREAT, file untouched),
 * write to a temporary name in the same directory, and rename only on
 * commit.  abort removes the temporary file.
 *
 * open always initialises o, also when it fails, so abort is then safe.
 * commit never replaces a file that appeared meanwhile (it keeps the data
 * under the temporary name and says so).  After a successful commit
 * final_name is still readable until dfu_outfile_abort, which then only
 * frees memory; calling abort after every open is the simple rule.
 */
struct dfu_outfile {
	char *final_name;
	char *tmp_name;
	int fd;
	uint64_t written;
	int replace;		/* set by dfu_outfile_open_replace */
	/*
	 * 1: written directly, no temporary file: "-" (standard output, fd
	 * not ours to close) or an existing character device or FIFO
	 * (/dev/stdout, a named pipe).  Bytes written cannot be taken back.
	 */
	int stream;
};
/*
 * "-" is standard output, an existing character device or FIFO is opened
 * and written directly; any other existing name is refused.
 */
int dfu_outfile_open(struct dfu_outfile *o, const char *name);
/* 1 when o writes to the same file as our standard output. */
int dfu_outfile_is_stdout(const struct dfu_outfile *o);

/*
 * For tools that rewrite a file in place (dfu-suffix, dfu-prefix) or
 * rebuild an output (dfuse-pack): the same temporary file, but commit
 * atomically replaces an existing name with rename(), so a reader sees
 * either the old file or the whole new one, never a truncated mix.  A
 * symbolic link is followed (the file it names is replaced, the link
 * stays), and the replaced file's permission bits are kept.  A file the
 * user may not write is refused (DFU_E_CANTCREAT), as open() would.
 */
int dfu_outfile_open_replace(struct dfu_outfile *o, const char *name);

/* Write all of data[0..len) to name through a replacing outfile: open, write, commit. */
int dfu_file_replace(const char *name, const unsigned char *data, size_t len);
int dfu_outfile_write(void *o, const unsigned char *data, size_t len);	/* dfu_sink_fn */
int dfu_outfile_commit(struct dfu_outfile *o);
void dfu_outfile_abort(struct dfu_outfile *o);

#endif
