/* vivacd --record: traces hold every tenant's bitstreams, so they are
 * created readable by the daemon's user only (0600), whatever the umask. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "host/recorder.h"

int main(void)
{
    char dir[] = "/tmp/vivac-test-recorder.XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    umask(0);  /* the mode must not depend on a umask to be private */
    struct vh_recorder *rec = NULL;
    CHECK(vh_recorder_open(dir, 7, &rec) == 0);
    char path[512];
    snprintf(path, sizeof(path), "%s/session-%ld-7.vtrace", dir, (long)getpid());
    struct stat st;
    CHECK(stat(path, &st) == 0);
    CHECK_EQ(st.st_mode & 07777, 0600);
    vh_recorder_close(&rec);
    unlink(path);
    rmdir(dir);
    return check_finish("test_recorder");
}
