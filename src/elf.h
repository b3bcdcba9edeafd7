/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Copyright 2026 The dfu-util authors */
#ifndef DFU_ELF_H
#define DFU_ELF_H

/*
 * ELF executables as firmware images (System V ABI, "ELF header" and
 * "Program header" chapters).  32- and 64-bit, either byte order:
 *
 *   e_ident   0x7f 'E' 'L' 'F', EI_CLASS 1 (32-bit) or 2 (64-bit),
 *             EI_DATA 1 (little-endian) or 2 (big-endian), EI_VERSION 1
 *   e_phoff, e_phentsize, e_phnum   the program header table
 *   PT_LOAD   p_offset, p_paddr, p_filesz, p_memsz
 *
 * What a boot loader would load is what we flash: every PT_LOAD segment's
 * p_filesz file bytes at its physical (load) address p_paddr, which is
 * where a linker puts initialised RAM data's flash copy.  The rest of
 * p_memsz (.bss) is zero-filled by the firmware itself and not written.
 * Sections and symbols are not read.
 *
 * Refused: a short or unknown header, a program header table or segment
 * outside the file, p_filesz > p_memsz, a segment past 4 GiB, overlapping
 * segments, and a file with no PT_LOAD bytes (a relocatable object).
 * Pure, reads only buf[0..len), one message naming the file and the
 * program header or offset at fault.
 */

#include <stddef.h>

#include "ihex.h"

/* 1 when buf starts with the ELF magic, else 0. */
int elf_is_elf(const unsigned char *buf, size_t len);

/*
 * Parse buf[0..len) into segments (sorted, joined where they touch), the
 * entry point as out->start.  Returns 0, or reports and returns DFU_E_DATA
 * (DFU_E_NOMEM) leaving out empty.
 */
int elf_parse(const unsigned char *buf, size_t len, const char *name, struct ihex_image *out);

#endif
