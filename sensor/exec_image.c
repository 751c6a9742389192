#define _GNU_SOURCE
#include "exec_image.h"
#include "paths.h"
#include "procfs.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static void record(const char *path, enum sensor_op op, int pid)
{
	struct sensor_path *e = sensor_paths_add(path, op, pid);

	if (e != NULL)
		e->exists = e->checked = 1;
}

/* Returns the PT_INTERP of an ELF file into interp (empty when static or not ELF). */
static void elf_interp(int fd, const unsigned char *hdr, size_t hlen, char *interp, size_t ilen)
{
	static unsigned char phdrs[64 * 64] __attribute__((aligned(8)));
	uint64_t phoff, off, size;
	unsigned phnum, phentsize, i;

	interp[0] = '\0';
	if (hlen < 64 || memcmp(hdr, ELFMAG, SELFMAG) != 0)
		return;
	if (hdr[EI_CLASS] == ELFCLASS64) {
		const Elf64_Ehdr *eh = (const Elf64_Ehdr *)hdr;
		phoff = eh->e_phoff;
		phnum = eh->e_phnum;
		phentsize = eh->e_phentsize;
	} else if (hdr[EI_CLASS] == ELFCLASS32) {
		const Elf32_Ehdr *eh = (const Elf32_Ehdr *)hdr;
		phoff = eh->e_phoff;
		phnum = eh->e_phnum;
		phentsize = eh->e_phentsize;
	} else {
		return;
	}
	if (phnum > 64 || phentsize > 64 || phentsize == 0)
		return;
	/* all program headers in one read */
	if (pread(fd, phdrs, (size_t)phnum * phentsize, (off_t)phoff) != (ssize_t)((size_t)phnum * phentsize))
		return;
	for (i = 0; i < phnum; i++) {
		const unsigned char *ph = phdrs + (size_t)i * phentsize;
		uint32_t type;

		if (hdr[EI_CLASS] == ELFCLASS64) {
			const Elf64_Phdr *p = (const Elf64_Phdr *)ph;
			type = p->p_type;
			off = p->p_offset;
			size = p->p_filesz;
		} else {
			const Elf32_Phdr *p = (const Elf32_Phdr *)ph;
			type = p->p_type;
			off = p->p_offset;
			size = p->p_filesz;
		}
		if (type != PT_INTERP)
			continue;
		if (size == 0 || size >= ilen)
			return;
		if (pread(fd, interp, size, (off_t)off) != (ssize_t)size)
			interp[0] = '\0';
		else
			interp[size] = '\0';
		return;
	}
}

int sensor_exec_image_was_script;

int sensor_exec_image_inspect(const char *root, int pid, const char *path)
{
	char cur[4096], interp[4096];
	unsigned char hdr[256];
	int depth;

	sensor_exec_image_was_script = 0;
	snprintf(cur, sizeof cur, "%s", path);
	/* the kernel follows at most a few levels of "#!" (binfmt_script → binfmt_elf) */
	for (depth = 0; depth < 5; depth++) {
		ssize_t n;
		int fd;

		fd = open(cur, O_RDONLY | SENSOR_O_LOOP | O_NONBLOCK);
		if (fd < 0)
			return depth == 0 ? -1 : 0;
		n = pread(fd, hdr, sizeof hdr - 1, 0);
		if (n <= 0) {
			close(fd);
			return 0;
		}
		hdr[n] = '\0';
		if (depth > 0)
			record(cur, SENSOR_OP_EXEC, pid);
		if (n > 2 && hdr[0] == '#' && hdr[1] == '!') {
			char *s = (char *)hdr + 2, *e;
			if (depth == 0)
				sensor_exec_image_was_script = 1;
			close(fd);
			while (*s == ' ' || *s == '\t')
				s++;
			e = s;
			while (*e && *e != ' ' && *e != '\t' && *e != '\n')
				e++;
			*e = '\0';
			if (s[0] != '/' || sensor_path_in_root(cur, sizeof cur, root, s) != 0)
				return 0;
			continue;
		}
		elf_interp(fd, hdr, (size_t)n, interp, sizeof interp);
		close(fd);
		if (interp[0] == '/' && sensor_path_in_root(cur, sizeof cur, root, interp) == 0)
			record(cur, SENSOR_OP_MMAP, pid);
		return 0;
	}
	return 0;
}
