// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * af_restrict "AF_UNIX AF_INET ..." CMD [ARG...]: run CMD with socket()
 * refused (EAFNOSUPPORT) for every address family not listed, as systemd's
 * RestrictAddressFamilies= does (a seccomp filter on socket(), inherited by
 * every child and exec; no_new_privs set, which the unit's
 * NoNewPrivileges=yes sets too). For gretund_unit.sh. Exits 3 where it
 * cannot emulate (an architecture it does not know), 2 for a family name it
 * does not know.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>

#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>

#if defined(__x86_64__)
#define AR_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define AR_ARCH AUDIT_ARCH_AARCH64
#endif

#define AR_MAX 16

static const struct {
	const char *name;
	unsigned int af;
} ar_names[] = {
	{ "AF_UNIX", AF_UNIX }, { "AF_INET", AF_INET }, { "AF_INET6", AF_INET6 },
	{ "AF_NETLINK", AF_NETLINK }, { "AF_PACKET", AF_PACKET },
};

static int ar_family(const char *name, unsigned int *af)
{
	for (size_t i = 0; i < sizeof(ar_names) / sizeof(ar_names[0]); i++) {
		if (!strcmp(name, ar_names[i].name)) {
			*af = ar_names[i].af;
			return 0;
		}
	}
	return -EINVAL;
}

int main(int argc, char **argv)
{
#ifdef AR_ARCH
	struct sock_filter f[6 + AR_MAX + 2];
	struct sock_fprog prog;
	unsigned int af[AR_MAX], n = 0, k = 0;
	char list[256], *save = NULL;

	if (argc < 3) {
		fprintf(stderr, "usage: af_restrict \"AF_X AF_Y ...\" CMD [ARG...]\n");
		return 2;
	}
	snprintf(list, sizeof(list), "%s", argv[1]);
	for (char *w = strtok_r(list, " ,", &save); w; w = strtok_r(NULL, " ,", &save)) {
		if (n == AR_MAX || ar_family(w, &af[n])) {
			fprintf(stderr, "af_restrict: unknown address family '%s'\n", w);
			return 2;
		}
		n++;
	}
	f[k++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
					      offsetof(struct seccomp_data, arch));
	f[k++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AR_ARCH, 1, 0);
	f[k++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	f[k++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
					      offsetof(struct seccomp_data, nr));
	f[k++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_socket, 1, 0);
	f[k++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	/* the low 32 bits of the first argument, the family */
	f[k++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
					      offsetof(struct seccomp_data, args[0])
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
					      + 4
#endif
					      );
	/* a listed family jumps over the refusal to the last statement */
	for (unsigned int i = 0; i < n; i++)
		f[k++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, af[i],
						      (unsigned char)(n - i), 0);
	f[k++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EAFNOSUPPORT);
	f[k++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	prog.len = (unsigned short)k;
	prog.filter = f;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) ||
	    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0)) {
		fprintf(stderr, "af_restrict: cannot install the filter: %s\n", strerror(errno));
		return 3;
	}
	execvp(argv[2], argv + 2);
	fprintf(stderr, "af_restrict: cannot run '%s': %s\n", argv[2], strerror(errno));
	return 127;
#else
	(void)argc;
	(void)argv;
	fprintf(stderr, "af_restrict: this architecture is not known to it\n");
	return 3;
#endif
}
