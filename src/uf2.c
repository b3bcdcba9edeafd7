/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright 2026 The dfu-util authors */

#include <config.h>

#include <string.h>

#include "errors.h"
#include "log.h"
#include "uf2.h"

static const char *uf2_shown(const char *name)
{
	return name ? name : "the UF2 file";
}

static uint32_t uf2_word(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

int uf2_is_uf2(const unsigned char *buf, size_t len)
{
	return len >= 8 && uf2_word(buf) == UF2_MAGIC_START0 && uf2_word(buf + 4) == UF2_MAGIC_START1;
}

const char *uf2_family_name(uint32_t family)
{
	/* A few entries of the family list published with the UF2 specification. */
	static const struct {
		uint32_t id;
		const char *name;
	} known[] = {
		{ 0x55114460u, "SAMD51" },
		{ 0x57755a57u, "STM32F4" },
		{ 0x5ee21072u, "STM32F1" },
		{ 0x68ed2b88u, "SAMD21" },
		{ 0xada52840u, "NRF52840" },
		{ 0xe48bff56u, "RP2040" },
	};
	size_t i;

	for (i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (known[i].id == family)
			return known[i].name;
	return NULL;
}

int uf2_parse(const unsigned char *buf, size_t len, const char *name, struct uf2_info *info,
	      struct ihex_image *out)
{
	struct ihex_builder b;
	size_t i, n = len / UF2_BLOCK_SIZE;
	uint32_t run_total = 0, next = 0;	/* the run of blocks being read */
	int err;

	memset(info, 0, sizeof(*info));
	ihex_builder_init(&b, out, name);
	if (len == 0) {
		log_error("'%s' is empty", uf2_shown(name));
		return DFU_E_DATA;
	}
	if (len % UF2_BLOCK_SIZE) {
		log_error("'%s': %zu bytes is not a whole number of 512-byte UF2 blocks (the last one, at offset 0x%zx, is cut short)",
			  uf2_shown(name), len, n * UF2_BLOCK_SIZE);
		return DFU_E_DATA;
	}
	info->n_blocks = n;
	for (i = 0; i < n; i++) {
		const unsigned char *blk = buf + i * UF2_BLOCK_SIZE;
		size_t off = i * UF2_BLOCK_SIZE;
		uint32_t flags = uf2_word(blk + 8), addr = uf2_word(blk + 12);
		uint32_t size = uf2_word(blk + 16), no = uf2_word(blk + 20);
		uint32_t total = uf2_word(blk + 24), family = uf2_word(blk + 28);

		if (uf2_word(blk) != UF2_MAGIC_START0 || uf2_word(blk + 4) != UF2_MAGIC_START1) {
			log_error("'%s': UF2 block %zu (offset 0x%zx): bad start magic", uf2_shown(name),
				  i, off);
			goto bad;
		}
		if (uf2_word(blk + UF2_BLOCK_SIZE - 4) != UF2_MAGIC_END) {
			log_error("'%s': UF2 block %zu (offset 0x%zx): bad end magic", uf2_shown(name),
				  i, off + UF2_BLOCK_SIZE - 4);
			goto bad;
		}
		if (total == 0 || no >= total) {
			log_error("'%s': UF2 block %zu (offset 0x%zx): block number %lu of %lu",
				  uf2_shown(name), i, off, (unsigned long)no, (unsigned long)total);
			goto bad;
		}
		/* A run ends with its last block; a concatenated file starts again at 0. */
		if (next == run_total) {
			run_total = total;
			next = 0;
		}
		if (no != next || total != run_total) {
			log_error("'%s': UF2 block %zu (offset 0x%zx) out of sequence: it says block %lu of %lu, expected block %lu of %lu",
				  uf2_shown(name), i, off, (unsigned long)no, (unsigned long)total,
				  (unsigned long)next, (unsigned long)run_total);
			goto bad;
		}
		next++;
		if (flags & UF2_FLAG_FILE_CONTAINER) {
			log_error("'%s': UF2 block %zu (offset 0x%zx) belongs to a file container (files for a UF2 drive), not a flash image",
				  uf2_shown(name), i, off);
			goto bad;
		}
		if (size > UF2_PAYLOAD_MAX) {
			log_error("'%s': UF2 block %zu (offset 0x%zx): payload of %lu bytes, at most %d fit",
				  uf2_shown(name), i, off, (unsigned long)size, UF2_PAYLOAD_MAX);
			goto bad;
		}
		if (flags & UF2_FLAG_NOT_MAIN_FLASH) {
			info->n_skipped++;
			continue;
		}
		if (flags & UF2_FLAG_FAMILY_ID) {
			if (info->has_family && info->family != family) {
				log_error("'%s': UF2 block %zu (offset 0x%zx) is for board family 0x%08lx, earlier blocks for 0x%08lx",
					  uf2_shown(name), i, off, (unsigned long)family,
					  (unsigned long)info->family);
				log_hint("a file for several boards: dfu-util cannot tell which blocks are this device's");
				goto bad;
			}
			info->has_family = 1;
			info->family = family;
		}
		if ((uint64_t)addr + size > UINT64_C(0x100000000)) {
			log_error("'%s': UF2 block %zu (offset 0x%zx): %lu bytes at 0x%08lx run past the 4 GiB address space",
				  uf2_shown(name), i, off, (unsigned long)size, (unsigned long)addr);
			goto bad;
		}
		err = ihex_builder_add(&b, addr, blk + 32, size);
		if (err)
			goto fail;
	}
	if (next != run_total) {
		log_error("'%s': truncated: the file ends after block %lu of %lu", uf2_shown(name),
			  (unsigned long)next - 1, (unsigned long)run_total);
		goto bad;
	}
	err = ihex_builder_finish(&b);
	if (err)
		goto fail;
	if (out->n_segments == 0) {
		log_error("'%s' holds no data for main flash (%zu block%s, all empty or flagged not main flash)",
			  uf2_shown(name), n, n == 1 ? "" : "s");
		goto bad;
	}
	return 0;
bad:
	err = DFU_E_DATA;
fail:
	ihex_free(out);
	memset(info, 0, sizeof(*info));
	return err;
}
