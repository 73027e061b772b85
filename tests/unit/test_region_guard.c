/* Guarded copies (src/host/region_guard.h): a copy from or to a mapping
 * whose file was truncated returns -EFAULT instead of killing the process;
 * any other SIGBUS still does. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "host/region_guard.h"

#define SIZE (4u << 20)

static uint8_t *map_file(int *fd_out)
{
    char path[] = "/tmp/vivac-test-region.XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    unlink(path);
    CHECK(ftruncate(fd, SIZE) == 0);
    uint8_t *p = mmap(NULL, SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    CHECK(p != MAP_FAILED);
    *fd_out = fd;
    return p;
}

static void test_guarded(void)
{
    int fd;
    uint8_t *region = map_file(&fd);
    static uint8_t buf[64 << 10];
    memset(region + (2u << 20), 0x5a, sizeof(buf));
    CHECK(vh_region_read(buf, region + (2u << 20), sizeof(buf)) == 0);
    CHECK(buf[0] == 0x5a && buf[sizeof(buf) - 1] == 0x5a);
    CHECK(vh_region_write(region + (3u << 20), buf, sizeof(buf)) == 0);

    /* What QEMU can do to the file: the pages past 1 MiB are gone. */
    CHECK(ftruncate(fd, 1u << 20) == 0);
    CHECK(vh_region_read(buf, region + (2u << 20), sizeof(buf)) == -EFAULT);
    CHECK(vh_region_write(region + (3u << 20), buf, sizeof(buf)) == -EFAULT);
    /* A copy that starts inside and runs past the end. */
    CHECK(vh_region_read(buf, region + (1u << 20) - 100, 200) == -EFAULT);
    /* Again and again: the handler stays installed, the mask restored. */
    for (int i = 0; i < 100; i++)
        CHECK(vh_region_read(buf, region + (2u << 20) + (unsigned)i * 4096, 1) == -EFAULT);
    /* What is left of the file still copies. */
    CHECK(vh_region_read(buf, region + 4096, 4096) == 0);
    munmap(region, SIZE);
    close(fd);
}

/* The child died of its SIGBUS: killed by it, or (under ASan, whose
 * handler was in place before ours and gets the signal) exited with its
 * report. Exit 0 would mean the signal was swallowed. */
static bool died_of_sigbus(int status)
{
    if (WIFSIGNALED(status))
        return WTERMSIG(status) == SIGBUS;
    return WIFEXITED(status) && WEXITSTATUS(status) != 0 && WEXITSTATUS(status) != 3;
}

/* A fault outside any guarded copy is not swallowed: the process dies of
 * SIGBUS as it would without the guard. */
static void test_unguarded_still_fatal(void)
{
    pid_t pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        int fd;
        uint8_t *region = map_file(&fd);
        if (ftruncate(fd, 0) != 0)
            _exit(3);
        volatile uint8_t v = region[2u << 20];
        (void)v;
        _exit(0);
    }
    int status = 0;
    CHECK(waitpid(pid, &status, 0) == pid);
    CHECK(died_of_sigbus(status));

    /* Nor is one sent by a process. */
    pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        raise(SIGBUS);
        _exit(0);  /* swallowed */
    }
    CHECK(waitpid(pid, &status, 0) == pid);
    CHECK(died_of_sigbus(status));
}

int main(void)
{
    CHECK(vh_region_guard_init() == 0);
    CHECK(vh_region_guard_init() == 0); /* once */
    test_guarded();
    test_unguarded_still_fatal();
    return check_finish("test_region_guard");
}
