/* Test builds only (-Dtest_hooks=true): one escape attempt from inside the
 * sandbox, so that tests can see it refused (sandbox.h). */
#include "host/sandbox.h"

#ifdef VIVAC_TEST_HOOKS

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

/* Writes "<label>: refused (<errno text>)" or "<label>: SUCCEEDED". */
static int outcome(char *result, size_t size, const char *label, int ok, int err)
{
    if (ok)
        snprintf(result, size, "%s: SUCCEEDED", label);
    else
        snprintf(result, size, "%s: refused (%s)", label, strerror(err));
    return ok ? 1 : 0;
}

int vh_sandbox_test_escape(const char *what, char *result, size_t size)
{
    char label[256];
    if (!what || !result || !size)
        return -EINVAL;
    if (strncmp(what, "open:", 5) == 0) {
        snprintf(label, sizeof(label), "open %s", what + 5);
        int fd = open(what + 5, O_RDONLY | O_CLOEXEC);
        int err = errno;
        if (fd >= 0)
            close(fd);
        return outcome(result, size, label, fd >= 0, err);
    }
    if (strncmp(what, "write:", 6) == 0) {
        snprintf(label, sizeof(label), "create %s", what + 6);
        int fd = open(what + 6, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        int err = errno;
        if (fd >= 0) {
            close(fd);
            unlink(what + 6);
        }
        return outcome(result, size, label, fd >= 0, err);
    }
    if (strncmp(what, "exec:", 5) == 0) {
        snprintf(label, sizeof(label), "execve %s", what + 5);
        char *const argv[] = {(char *)(what + 5), NULL};
        char *const envp[] = {NULL};
        execve(what + 5, argv, envp);
        return outcome(result, size, label, 0, errno); /* returned: refused */
    }
    if (strcmp(what, "socket") == 0) {
        int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        int err = errno;
        if (fd >= 0)
            close(fd);
        return outcome(result, size, "socket(AF_INET)", fd >= 0, err);
    }
    if (strcmp(what, "ptrace") == 0) {
        pid_t parent = getppid();
        long rc = ptrace(PTRACE_ATTACH, parent, NULL, NULL);
        int err = errno;
        if (rc == 0)
            ptrace(PTRACE_DETACH, parent, NULL, NULL);
        return outcome(result, size, "ptrace(PTRACE_ATTACH, parent)", rc == 0, err);
    }
    if (strcmp(what, "fork") == 0) {
        pid_t pid = fork();
        int err = errno;
        if (pid == 0)
            _exit(0);
        if (pid > 0)
            waitpid(pid, NULL, 0);
        return outcome(result, size, "fork", pid > 0, err);
    }
    if (strcmp(what, "ioctl") == 0) {
        /* A terminal request ('T'), neither the sw list's two nor a DRM or
         * dma-buf one (the drm flavour's). */
        struct winsize ws;
        int rc = ioctl(STDERR_FILENO, TIOCGWINSZ, &ws);
        return outcome(result, size, "ioctl(TIOCGWINSZ)", rc == 0 || errno != ENOSYS, errno);
    }
    snprintf(result, size, "%s: unknown escape", what);
    return -EINVAL;
}

#endif
