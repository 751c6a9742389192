#define _GNU_SOURCE
#include "engine.h"
#include "../procfs.h"
#include "../procs.h"

#include <errno.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/uio.h>

int sensor_want_no_new_privs;
static int nnp_set;

int sensor_child_no_new_privs(void)
{
	if (!sensor_want_no_new_privs || nnp_set)
		return 0;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
		return errno;
	nnp_set = 1;
	return 0;
}

struct reply {
	int err;
	int nnp;
};

int sensor_reply_send(int sock, int err, int fd)
{
	struct reply r = { err, nnp_set };
	struct iovec iov = { &r, sizeof r };
	char cbuf[CMSG_SPACE(sizeof(int))];
	struct msghdr msg;

	memset(&msg, 0, sizeof msg);
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	if (fd >= 0) {
		struct cmsghdr *c;
		memset(cbuf, 0, sizeof cbuf);
		msg.msg_control = cbuf;
		msg.msg_controllen = sizeof cbuf;
		c = CMSG_FIRSTHDR(&msg);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS; /* the listener fd travels to the sensor */
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &fd, sizeof fd);
	}
	return sendmsg(sock, &msg, MSG_NOSIGNAL) == (ssize_t)sizeof r ? 0 : -1;
}

int sensor_reply_recv(int sock, int *err, int *nnp, int *fd)
{
	struct reply r;
	struct iovec iov = { &r, sizeof r };
	char cbuf[CMSG_SPACE(sizeof(int))];
	struct msghdr msg;
	struct cmsghdr *c;
	ssize_t n;

	memset(&msg, 0, sizeof msg);
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = cbuf;
	msg.msg_controllen = sizeof cbuf;
	*fd = -1;
	do
		n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n != (ssize_t)sizeof r)
		return -1;
	for (c = CMSG_FIRSTHDR(&msg); c != NULL; c = CMSG_NXTHDR(&msg, c))
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS)
			memcpy(fd, CMSG_DATA(c), sizeof *fd);
	*err = r.err;
	*nnp = r.nnp;
	return 0;
}

void sensor_sample_uring_users(void)
{
	size_t i, n = sensor_procs_count();

	for (i = 0; i < n; i++) {
		struct sensor_proc *p = sensor_procs_at(i);
		if (p->io_uring && p->end_ms == 0)
			sensor_procfs_sample(p->pid, SENSOR_SAMPLE_FDS | SENSOR_SAMPLE_MAPS);
	}
}
