/* Runs a program under a seccomp filter that makes io_uring_setup fail with EPERM, as a container runtime's default
 * profile does. Usage: deny-io-uring PROGRAM [ARGS...]. Built by the fault tests with: gcc -o deny-io-uring deny-io-uring.c -lseccomp */
#include <errno.h>
#include <seccomp.h>
#include <stdio.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s PROGRAM [ARGS...]\n", argv[0]);
        return 2;
    }

    scmp_filter_ctx filter = seccomp_init(SCMP_ACT_ALLOW);
    if (filter == NULL
        || seccomp_rule_add(filter, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(io_uring_setup), 0) != 0
        || seccomp_load(filter) != 0) {
        fprintf(stderr, "deny-io-uring: cannot install the seccomp filter\n");
        return 2;
    }

    seccomp_release(filter);
    execvp(argv[1], argv + 1);
    perror("deny-io-uring: exec");
    return 127;
}
