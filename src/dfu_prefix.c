/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright 2026 The dfu-util authors */

#include <config.h>

#include <stdlib.h>
#include <string.h>

#include "dfu_file.h"
#include "dfu_prefix.h"
#include "errors.h"
#include "log.h"

static const unsigned char lpc_reserved[4] = { 0xff, 0xff, 0xff, 0xff };

const char *dfu_prefix_type_name(enum dfu_prefix_type type)
{
	switch (type) {
	case PREFIX_STELLARIS:	return "TI Stellaris";
	case PREFIX_LPC:	return "NXP LPC";
	case PREFIX_NONE:	break;
	}
	return "none";
}

enum dfu_prefix_type dfu_prefix_detect(const unsigned char *p, size_t len, struct dfu_prefix *out)
{
	memset(out, 0, sizeof(*out));
	if (len >= DFU_PREFIX_STELLARIS_LEN && p[0] == 0x01 && p[1] == 0x00) {
		uint32_t length = (uint32_t)p[4] | (uint32_t)p[5] << 8 |
				  (uint32_t)p[6] << 16 | (uint32_t)p[7] << 24;

		/* Two bytes alone are too common in firmware; the length must fit exactly. */
		if ((uint64_t)length == (uint64_t)(len - DFU_PREFIX_STELLARIS_LEN)) {
			out->type = PREFIX_STELLARIS;
			out->len = DFU_PREFIX_STELLARIS_LEN;
			out->address = ((uint32_t)p[2] | (uint32_t)p[3] << 8) * DFU_PREFIX_STELLARIS_ALIGN;
			out->length = length;
			return out->type;
		}
	}
	if (len >= DFU_PREFIX_LPC_LEN && p[0] == 0x1a && p[1] == 0x3f &&
	    memcmp(p + 12, lpc_reserved, sizeof(lpc_reserved)) == 0) {
		out->type = PREFIX_LPC;
		out->len = DFU_PREFIX_LPC_LEN;
		out->blocks = (uint16_t)(p[2] | p[3] << 8);
		return out->type;
	}
	return PREFIX_NONE;
}

int dfu_prefix_build(enum dfu_prefix_type type, uint32_t address, size_t fw_len,
		     unsigned char out[DFU_PREFIX_MAX_LEN], size_t *prefix_len)
{
	memset(out, 0, DFU_PREFIX_MAX_LEN);
	*prefix_len = 0;
	switch (type) {
	case PREFIX_STELLARIS: {
		uint32_t kib = address / DFU_PREFIX_STELLARIS_ALIGN;

		if (address % DFU_PREFIX_STELLARIS_ALIGN) {
			/* The field counts KiB: anything else would flash somewhere else. */
			log_error("Stellaris address 0x%08lx is not a multiple of 1 KiB",
				  (unsigned long)address);
			return DFU_E_USAGE;
		}
		if (address > DFU_PREFIX_STELLARIS_ADDR_MAX) {
			log_error("Stellaris address 0x%08lx does not fit the prefix (at most 0x%08lx)",
				  (unsigned long)address, (unsigned long)DFU_PREFIX_STELLARIS_ADDR_MAX);
			return DFU_E_USAGE;
		}
		if ((uint64_t)fw_len > UINT32_MAX) {
			log_error("firmware of %zu bytes is too large for a Stellaris prefix", fw_len);
			return DFU_E_DATA;
		}
		out[0] = 0x01;
		out[1] = 0x00;
		out[2] = kib & 0xff;
		out[3] = (kib >> 8) & 0xff;
		out[4] = fw_len & 0xff;
		out[5] = (fw_len >> 8) & 0xff;
		out[6] = (fw_len >> 16) & 0xff;
		out[7] = (unsigned char)(((uint64_t)fw_len >> 24) & 0xff);
		*prefix_len = DFU_PREFIX_STELLARIS_LEN;
		return 0;
	}
	case PREFIX_LPC: {
		uint64_t blocks = ((uint64_t)fw_len + DFU_PREFIX_LPC_BLOCK - 1) / DFU_PREFIX_LPC_BLOCK;

		if (blocks > 0xffff) {
			log_error("firmware of %zu bytes is too large for an LPC prefix (at most %lu bytes)",
				  fw_len, 0xfffful * DFU_PREFIX_LPC_BLOCK);
			return DFU_E_DATA;
		}
		out[0] = 0x1a;
		out[1] = 0x3f;
		out[2] = blocks & 0xff;
		out[3] = (blocks >> 8) & 0xff;
		/* 4..11: HASH_VALUE, zero for an unencrypted image. */
		memcpy(out + 12, lpc_reserved, sizeof(lpc_reserved));
		*prefix_len = DFU_PREFIX_LPC_LEN;
		return 0;
	}
	case PREFIX_NONE:
		break;
	}
	log_error("no prefix type given");
	return DFU_E_USAGE;
}

static const char *dfu_prefix_shown(const char *name)
{
	return name ? name : "the file";
}

/* Split buf into payload and a valid suffix; a corrupt suffix is an error. */
static int dfu_prefix_split(const unsigned char *buf, size_t len, const char *name,
			    size_t *payload_len, struct dfu_suffix *sfx, int *has_suffix)
{
	switch (dfu_suffix_parse(buf, len, sfx)) {
	case SUFFIX_OK:
		*has_suffix = 1;
		*payload_len = len - sfx->bLength;
		return 0;
	case SUFFIX_NONE:
		*has_suffix = 0;
		*payload_len = len;
		return 0;
	case SUFFIX_BAD_CRC:
		log_error("'%s': DFU suffix CRC mismatch: the file is corrupt", dfu_prefix_shown(name));
		break;
	case SUFFIX_BAD_LENGTH:
		log_error("'%s': DFU suffix length %u is invalid: the file is corrupt",
			  dfu_prefix_shown(name), (unsigned int)sfx->bLength);
		break;
	}
	log_hint("check the file, or remove the suffix with dfu-suffix -D first");
	return DFU_E_DATA;
}

/* out = head + body + (suffix rebuilt over both, when there was one). */
static int dfu_prefix_assemble(const unsigned char *head, size_t head_len,
			       const unsigned char *body, size_t body_len,
			       const struct dfu_suffix *sfx, int has_suffix,
			       unsigned char **out, size_t *out_len)
{
	size_t total = head_len + body_len;
	unsigned char *buf;

	*out = NULL;
	*out_len = 0;
	if (total < body_len || total > SIZE_MAX - DFU_SUFFIX_LEN) {
		log_error("file too large");
		return DFU_E_DATA;
	}
	buf = malloc(total + DFU_SUFFIX_LEN);
	if (!buf) {
		log_error("out of memory");
		return DFU_E_NOMEM;
	}
	if (head_len)
		memcpy(buf, head, head_len);
	if (body_len)
		memcpy(buf + head_len, body, body_len);
	if (has_suffix) {
		dfu_suffix_build(buf, total, sfx, buf + total);
		total += DFU_SUFFIX_LEN;
	}
	*out = buf;
	*out_len = total;
	return 0;
}

int dfu_prefix_add(const unsigned char *buf, size_t len, const char *name,
		   enum dfu_prefix_type type, uint32_t address,
		   unsigned char **out, size_t *out_len)
{
	unsigned char head[DFU_PREFIX_MAX_LEN];
	struct dfu_suffix sfx;
	struct dfu_prefix old;
	size_t payload_len, head_len;
	int has_suffix, err;

	*out = NULL;
	*out_len = 0;
	err = dfu_prefix_split(buf, len, name, &payload_len, &sfx, &has_suffix);
	if (err)
		return err;
	if (dfu_prefix_detect(buf, payload_len, &old) != PREFIX_NONE) {
		log_error("'%s' already has a prefix (%s)", dfu_prefix_shown(name),
			  dfu_prefix_type_name(old.type));
		log_hint("remove it first with dfu-prefix -D");
		return DFU_E_DATA;
	}
	err = dfu_prefix_build(type, address, payload_len, head, &head_len);
	if (err)
		return err;
	return dfu_prefix_assemble(head, head_len, buf, payload_len, &sfx, has_suffix,
				   out, out_len);
}

int dfu_prefix_remove(const unsigned char *buf, size_t len, const char *name,
		      enum dfu_prefix_type want, unsigned char **out, size_t *out_len)
{
	struct dfu_suffix sfx;
	struct dfu_prefix old;
	size_t payload_len;
	int has_suffix, err;

	*out = NULL;
	*out_len = 0;
	err = dfu_prefix_split(buf, len, name, &payload_len, &sfx, &has_suffix);
	if (err)
		return err;
	if (dfu_prefix_detect(buf, payload_len, &old) == PREFIX_NONE) {
		log_error("'%s' has no DFU prefix", dfu_prefix_shown(name));
		return DFU_E_DATA;
	}
	if (want != PREFIX_NONE && old.type != want) {
		log_error("'%s' has a prefix of another type (%s, not %s)", dfu_prefix_shown(name),
			  dfu_prefix_type_name(old.type), dfu_prefix_type_name(want));
		return DFU_E_DATA;
	}
	return dfu_prefix_assemble(NULL, 0, buf + old.len, payload_len - old.len, &sfx,
				   has_suffix, out, out_len);
}
