#define _GNU_SOURCE
#include "exec_image.h"
#include "paths.h"
#include "procfs.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
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

/* What an exec'd file's first bytes said (a "#!" interpreter or an ELF's PT_INTERP), kept per
 * file: a workload that execs the same binaries again and again (a shell script, a build) then
 * costs one stat per exec instead of open, two preads and close while the caller waits. The key
 * is (dev, inode) and the entry is only used while size, mtime and ctime are unchanged: a file
 * rewritten in place, replaced by rename, or whose mode/owner changed (ctime) is read again. Only
 * regular files the sensor could open and read are kept, so a hit behaves as the open did. The
 * interpreter name is kept unresolved: the root it is resolved in is the caller's. */
#define IMAGE_CACHE 256
#define IMAGE_NAME 256
enum { IMAGE_ELF = 1, IMAGE_SCRIPT = 2 };
static struct image_fact {
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime, ctime;
	int kind;
	char name[IMAGE_NAME]; /* ELF: PT_INTERP ("" when static); script: the "#!" word */
} image_cache[IMAGE_CACHE];

static struct image_fact *image_slot(const struct stat *st)
{
	return &image_cache[((unsigned long)st->st_ino * 31u + (unsigned long)st->st_dev) % IMAGE_CACHE];
}

static const struct image_fact *image_lookup(const struct stat *st)
{
	const struct image_fact *f = image_slot(st);

	if (f->kind == 0 || f->dev != st->st_dev || f->ino != st->st_ino || f->size != st->st_size ||
	    f->mtime.tv_sec != st->st_mtim.tv_sec || f->mtime.tv_nsec != st->st_mtim.tv_nsec ||
	    f->ctime.tv_sec != st->st_ctim.tv_sec || f->ctime.tv_nsec != st->st_ctim.tv_nsec)
		return NULL;
	return f;
}

static void image_store(int fd, int kind, const char *name)
{
	struct stat st;
	struct image_fact *f;

	/* the open file's own stat: the very file that was read */
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || strlen(name) >= IMAGE_NAME)
		return;
	f = image_slot(&st);
	f->dev = st.st_dev;
	f->ino = st.st_ino;
	f->size = st.st_size;
	f->mtime = st.st_mtim;
	f->ctime = st.st_ctim;
	f->kind = kind;
	snprintf(f->name, sizeof f->name, "%s", name);
}

int sensor_exec_image_inspect(const char *root, int pid, const char *path)
{
	char cur[4096], interp[4096];
	unsigned char hdr[256];
	int depth;

	sensor_exec_image_was_script = 0;
	snprintf(cur, sizeof cur, "%s", path);
	/* the kernel follows at most a few levels of "#!" (binfmt_script → binfmt_elf) */
	for (depth = 0; depth < 5; depth++) {
		const struct image_fact *f;
		struct stat st;
		ssize_t n;
		int fd;
		char *s, *e;

		f = stat(cur, &st) == 0 ? image_lookup(&st) : NULL;
		if (f != NULL) {
			/* seen before, unchanged: what the open below found then */
			if (depth > 0)
				record(cur, SENSOR_OP_EXEC, pid);
			if (f->kind == IMAGE_SCRIPT) {
				if (depth == 0)
					sensor_exec_image_was_script = 1;
				snprintf(interp, sizeof interp, "%s", f->name);
				if (interp[0] != '/' || sensor_path_in_root(cur, sizeof cur, root, interp) != 0)
					return 0;
				continue;
			}
			if (f->name[0] == '/' && sensor_path_in_root(cur, sizeof cur, root, f->name) == 0)
				record(cur, SENSOR_OP_MMAP, pid);
			return 0;
		}
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
			s = (char *)hdr + 2;
			if (depth == 0)
				sensor_exec_image_was_script = 1;
			while (*s == ' ' || *s == '\t')
				s++;
			e = s;
			while (*e && *e != ' ' && *e != '\t' && *e != '\n')
				e++;
			*e = '\0';
			image_store(fd, IMAGE_SCRIPT, s);
			close(fd);
			if (s[0] != '/' || sensor_path_in_root(cur, sizeof cur, root, s) != 0)
				return 0;
			continue;
		}
		elf_interp(fd, hdr, (size_t)n, interp, sizeof interp);
		image_store(fd, IMAGE_ELF, interp);
		close(fd);
		if (interp[0] == '/' && sensor_path_in_root(cur, sizeof cur, root, interp) == 0)
			record(cur, SENSOR_OP_MMAP, pid);
		return 0;
	}
	return 0;
}
