/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright 2026 The dfu-util authors */

#include <config.h>

#include <string.h>

#include "elf.h"
#include "errors.h"
#include "log.h"

#define ELF_PT_LOAD	1
#define ELF_PN_XNUM	0xffff
#define ELF_ET_REL	1

/* The header fields we use, whatever the class and byte order. */
struct elf_hdr {
	int is64, big;
	unsigned int type;
	uint64_t entry, phoff;
	unsigned int phentsize, phnum;
};

struct elf_phdr {
	uint32_t type;
	uint64_t offset, paddr, filesz, memsz;
};

static const char *elf_shown(const char *name)
{
	return name ? name : "the ELF file";
}

int elf_is_elf(const unsigned char *buf, size_t len)
{
	return len >= 4 && buf[0] == 0x7f && buf[1] == 'E' && buf[2] == 'L' && buf[3] == 'F';
}

/* An n-byte field (2, 4 or 8) at p in the file's byte order. */
static uint64_t elf_get(const unsigned char *p, int n, int big)
{
	uint64_t v = 0;
	int i;

	for (i = 0; i < n; i++)
		v |= (uint64_t)p[big ? i : n - 1 - i] << (8 * (n - 1 - i));
	return v;
}

static int elf_read_header(const unsigned char *buf, size_t len, const char *name,
			   struct elf_hdr *h)
{
	size_t need;

	if (len < 16) {
		log_error("'%s': truncated ELF header (%zu bytes)", elf_shown(name), len);
		return DFU_E_DATA;
	}
	if (!elf_is_elf(buf, len)) {
		log_error("'%s' is not an ELF file (no 0x7f 'E' 'L' 'F' at offset 0)", elf_shown(name));
		return DFU_E_DATA;
	}
	if (buf[4] != 1 && buf[4] != 2) {
		log_error("'%s': offset 0x4: unknown ELF class %u (1 is 32-bit, 2 is 64-bit)",
			  elf_shown(name), (unsigned int)buf[4]);
		return DFU_E_DATA;
	}
	if (buf[5] != 1 && buf[5] != 2) {
		log_error("'%s': offset 0x5: unknown ELF byte order %u (1 is little-, 2 big-endian)",
			  elf_shown(name), (unsigned int)buf[5]);
		return DFU_E_DATA;
	}
	if (buf[6] != 1) {
		log_error("'%s': offset 0x6: unknown ELF version %u", elf_shown(name),
			  (unsigned int)buf[6]);
		return DFU_E_DATA;
	}
	h->is64 = buf[4] == 2;
	h->big = buf[5] == 2;
	need = h->is64 ? 64 : 52;
	if (len < need) {
		log_error("'%s': truncated ELF header (%zu bytes, a %d-bit header has %zu)",
			  elf_shown(name), len, h->is64 ? 64 : 32, need);
		return DFU_E_DATA;
	}
	h->type = (unsigned int)elf_get(buf + 16, 2, h->big);
	if (h->is64) {
		h->entry = elf_get(buf + 24, 8, h->big);
		h->phoff = elf_get(buf + 32, 8, h->big);
		h->phentsize = (unsigned int)elf_get(buf + 54, 2, h->big);
		h->phnum = (unsigned int)elf_get(buf + 56, 2, h->big);
	} else {
		h->entry = elf_get(buf + 24, 4, h->big);
		h->phoff = elf_get(buf + 28, 4, h->big);
		h->phentsize = (unsigned int)elf_get(buf + 42, 2, h->big);
		h->phnum = (unsigned int)elf_get(buf + 44, 2, h->big);
	}
	return 0;
}

static void elf_read_phdr(const unsigned char *p, const struct elf_hdr *h, struct elf_phdr *ph)
{
	ph->type = (uint32_t)elf_get(p, 4, h->big);
	if (h->is64) {
		ph->offset = elf_get(p + 8, 8, h->big);
		ph->paddr = elf_get(p + 24, 8, h->big);
		ph->filesz = elf_get(p + 32, 8, h->big);
		ph->memsz = elf_get(p + 40, 8, h->big);
	} else {
		ph->offset = elf_get(p + 4, 4, h->big);
		ph->paddr = elf_get(p + 12, 4, h->big);
		ph->filesz = elf_get(p + 16, 4, h->big);
		ph->memsz = elf_get(p + 20, 4, h->big);
	}
}

int elf_parse(const unsigned char *buf, size_t len, const char *name, struct ihex_image *out)
{
	struct ihex_builder b;
	struct elf_hdr h;
	unsigned int i, loads = 0;
	size_t entsize;
	int err;

	ihex_builder_init(&b, out, name);
	err = elf_read_header(buf, len, name, &h);
	if (err)
		return err;
	entsize = h.is64 ? 56 : 32;
	if (h.phnum == 0) {
		log_error("'%s' has no program headers, so nothing says where its bytes go",
			  elf_shown(name));
		if (h.type == ELF_ET_REL)
			log_hint("it is a relocatable object: link it into an executable first");
		return DFU_E_DATA;
	}
	if (h.phnum == ELF_PN_XNUM) {
		log_error("'%s': more than 65534 program headers are not supported", elf_shown(name));
		return DFU_E_DATA;
	}
	if (h.phentsize < entsize) {
		log_error("'%s': program header entries of %u bytes, a %d-bit one has %zu",
			  elf_shown(name), h.phentsize, h.is64 ? 64 : 32, entsize);
		return DFU_E_DATA;
	}
	if (h.phoff > len || (uint64_t)h.phnum * h.phentsize > len - h.phoff) {
		log_error("'%s': the program header table (offset 0x%llx, %u entries) runs past the end of the file (%zu bytes)",
			  elf_shown(name), (unsigned long long)h.phoff, h.phnum, len);
		return DFU_E_DATA;
	}
	for (i = 0; i < h.phnum; i++) {
		size_t at = (size_t)h.phoff + (size_t)i * h.phentsize;
		struct elf_phdr ph;

		elf_read_phdr(buf + at, &h, &ph);
		if (ph.type != ELF_PT_LOAD)
			continue;
		if (ph.filesz > ph.memsz) {
			log_error("'%s': program header %u (offset 0x%zx): p_filesz 0x%llx is larger than p_memsz 0x%llx",
				  elf_shown(name), i, at, (unsigned long long)ph.filesz,
				  (unsigned long long)ph.memsz);
			goto bad;
		}
		/* .bss and other zero-filled memory: the firmware clears it itself. */
		if (ph.filesz == 0)
			continue;
		if (ph.offset > len || ph.filesz > len - ph.offset) {
			log_error("'%s': program header %u: segment bytes at file offset 0x%llx (0x%llx bytes) run past the end of the file (%zu bytes)",
				  elf_shown(name), i, (unsigned long long)ph.offset,
				  (unsigned long long)ph.filesz, len);
			goto bad;
		}
		if (ph.paddr > UINT64_C(0x100000000) || ph.filesz > UINT64_C(0x100000000) - ph.paddr) {
			log_error("'%s': program header %u: segment at 0x%llx (0x%llx bytes) runs past the 4 GiB address space",
				  elf_shown(name), i, (unsigned long long)ph.paddr,
				  (unsigned long long)ph.filesz);
			goto bad;
		}
		err = ihex_builder_add(&b, ph.paddr, buf + ph.offset, (size_t)ph.filesz);
		if (err)
			goto fail;
		loads++;
	}
	if (loads == 0) {
		log_error("'%s' has no loadable segment with bytes in the file (PT_LOAD with p_filesz > 0)",
			  elf_shown(name));
		goto bad;
	}
	err = ihex_builder_finish(&b);
	if (err)
		goto fail;
	if (h.entry <= UINT32_MAX) {
		out->has_start = 1;
		out->start = (uint32_t)h.entry;
	}
	return 0;
bad:
	err = DFU_E_DATA;
fail:
	ihex_free(out);
	return err;
}
