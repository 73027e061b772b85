/* vivacd's configuration files (src/host/config_file.h): good files read
 * as written; each bad value refused with its FILE:LINE and reason, and
 * nothing returned. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "host/config_file.h"

static char dir[64];

static void write_file(const char *name, const char *text)
{
    char path[256];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    CHECK(f != NULL);
    if (!f)
        return;
    fputs(text, f);
    fclose(f);
}

static void remove_file(const char *name)
{
    char path[256];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    unlink(path);
}

static int load(struct vh_config *c, char *why, size_t size)
{
    char path[256];
    snprintf(path, sizeof(path), "%s/vivacd.conf", dir);
    struct vh_file_access none = {0};
    return vh_config_load(path, &none, c, why, size);
}

/* VM file NAME.conf holding text is refused with "FILE:LINE: ...want". */
static void refused_vm(const char *name, const char *text, int line, const char *want)
{
    char file[128], where[256], why[1024];
    snprintf(file, sizeof(file), "vms.d/%s.conf", name);
    write_file(file, text);
    struct vh_config c;
    int err = load(&c, why, sizeof(why));
    if (line)
        snprintf(where, sizeof(where), "%s/%s:%d: ", dir, file, line);
    else
        snprintf(where, sizeof(where), "%s/%s: ", dir, file);
    bool ok = err != 0 && strncmp(why, where, strlen(where)) == 0 && strstr(why, want) &&
              c.num_vms == 0 && c.vms == NULL;
    CHECK(ok);
    if (!ok)
        fprintf(stderr, "  %s: got %d \"%s\", want \"%s...%s\"\n", file, err, err ? why : "",
                where, want);
    remove_file(file);
}

static void refused_main(const char *text, int line, const char *want)
{
    char where[256], why[1024];
    write_file("vivacd.conf", text);
    struct vh_config c;
    int err = load(&c, why, sizeof(why));
    snprintf(where, sizeof(where), "%s/vivacd.conf:%d: ", dir, line);
    bool ok = err != 0 && strncmp(why, where, strlen(where)) == 0 && strstr(why, want);
    CHECK(ok);
    if (!ok)
        fprintf(stderr, "  main: got %d \"%s\", want \"%s...%s\"\n", err, err ? why : "", where,
                want);
    write_file("vivacd.conf", "");
}

static void good_files(void)
{
    write_file("vivacd.conf", "# defaults\n\n  vm-socket-mode = 0660  \nlocal-weight=3\n"
                              "local-limit = 1080p30\n");
    write_file("vms.d/b.conf", "control-socket = /run/vivac/b.sock\nweight = 2\n"
                               "socket-mode = 0600\n");
    write_file("vms.d/a-1.conf", "# VM a-1\ncontrol-socket=/run/vivac/a.sock\n"
                                 "region = /dev/shm/a\nregion-size = 128\nreserve = 720p30\n");
    write_file("vms.d/notes.txt", "not a VM file\n");
    write_file("vms.d/.hidden.conf", "junk\n");
    struct vh_config c;
    char why[1024] = "";
    int err = load(&c, why, sizeof(why));
    CHECK_EQ(err, 0);
    if (err)
        fprintf(stderr, "  %s\n", why);
    CHECK_EQ(c.num_vms, 2);
    CHECK_EQ(c.vm_access.mode, 0660);
    CHECK(c.local_qos_given && c.local_qos.weight == 3 && c.local_qos.limit > 0);
    if (c.num_vms == 2) {
        const struct vh_vm_conf *a = &c.vms[0], *b = &c.vms[1];
        CHECK(strcmp(a->spec.name, "a-1") == 0 && strcmp(b->spec.name, "b") == 0);
        CHECK(strcmp(a->spec.control, "/run/vivac/a.sock") == 0);
        CHECK(strcmp(a->spec.shm_path, "/dev/shm/a") == 0);
        CHECK_EQ(a->spec.size, 128ull << 20);
        CHECK(a->qos.weight == 1 && a->qos.reservation > 0 && a->qos.limit == 0);
        CHECK_EQ(a->access.mode, 0660); /* the main file's default */
        CHECK(b->qos.weight == 2 && b->qos.reservation == 0);
        CHECK_EQ(b->access.mode, 0600); /* its own */
        CHECK_EQ(b->spec.shm_path[0], '\0');
        char want[256];
        snprintf(want, sizeof(want), "%s/vms.d/a-1.conf:2", dir);
        CHECK(strcmp(a->origin, want) == 0);
        CHECK(a->from_file);
    }
    /* A --vm beside the files: a clash names both places. */
    struct vh_vm_conf cmd = {.origin = "--vm"};
    snprintf(cmd.spec.name, sizeof(cmd.spec.name), "c");
    snprintf(cmd.spec.control, sizeof(cmd.spec.control), "/run/vivac/b.sock");
    CHECK(vh_config_add_vm(&c, &cmd, why, sizeof(why)) != 0);
    CHECK(strstr(why, "--vm: VM c: the control socket /run/vivac/b.sock is also VM b's") &&
          strstr(why, "vms.d/b.conf:1)"));
    snprintf(cmd.spec.name, sizeof(cmd.spec.name), "b");
    snprintf(cmd.spec.control, sizeof(cmd.spec.control), "/run/vivac/c.sock");
    CHECK(vh_config_add_vm(&c, &cmd, why, sizeof(why)) != 0 && strstr(why, "the name b"));
    snprintf(cmd.spec.name, sizeof(cmd.spec.name), "c");
    CHECK_EQ(vh_config_add_vm(&c, &cmd, why, sizeof(why)), 0);
    CHECK_EQ(c.num_vms, 3);
    vh_config_clear(&c);
    CHECK(c.vms == NULL && c.num_vms == 0);
    remove_file("vms.d/a-1.conf");
    remove_file("vms.d/b.conf");
    /* No VM directory: no VMs, not an error. */
    write_file("vivacd.conf", "vms-dir = /nonexistent/vivac-vms.d\n");
    CHECK_EQ(load(&c, why, sizeof(why)), 0);
    CHECK_EQ(c.num_vms, 0);
    vh_config_clear(&c);
    write_file("vivacd.conf", "");
}

static void bad_vm_files(void)
{
    char long_path[200];
    memset(long_path, 'x', sizeof(long_path) - 1);
    long_path[0] = '/';
    long_path[sizeof(long_path) - 1] = '\0';
    char text[512];
    refused_vm("a", "control-socket = /s\nwho = me\n", 2, "unknown key \"who\"");
    refused_vm("a", "control-socket = /s\nregion-size = 100\nregion = /r\n", 2,
               "region-size: \"100\" MiB: want a power of two");
    refused_vm("a", "control-socket = /s\nregion = /r\nregion-size = 1\n", 3,
               "want a power of two from 2");
    refused_vm("a", "control-socket = /s\nregion = /r\nregion-size = 64k\n", 3, "\"64k\" MiB");
    refused_vm("a", "control-socket = /s\nregion-size = 64\n", 2, "region-size without a region");
    refused_vm("a", "\n\ncontrol-socket = relative.sock\n", 3, "is not an absolute path");
    snprintf(text, sizeof(text), "control-socket = %s\n", long_path);
    refused_vm("a", text, 1, "control-socket: path too long");
    refused_vm("a", "control-socket = /s\nweight = 0\n", 2, "weight=0: not a number above 0");
    refused_vm("a", "control-socket = /s\nweight = 2,limit=5\n", 2, "is not one value");
    refused_vm("a", "control-socket = /s\nreserve = fast\n", 2, "reserve=fast: not a rate");
    refused_vm("a", "control-socket = /s\nreserve = 1080p60\nlimit = 720p30\n", 3, "limit");
    refused_vm("a", "control-socket = /s\nsocket-mode = 0755\n", 2, "socket-mode 0755: want octal");
    refused_vm("a", "control-socket = /s\nsocket-group = no-such-group-here\n", 2,
               "socket-group no-such-group-here: no such group");
    refused_vm("a", "control-socket = /s\ncontrol-socket = /t\n", 2,
               "control-socket given twice (first on line 1)");
    refused_vm("a", "control-socket =\n", 1, "control-socket: no value");
    refused_vm("a", "control-socket /s\n", 1, "is not key = value");
    refused_vm("a", "region = /r\n", 0, "no control-socket");
    refused_vm("local", "control-socket = /s\n", 0, "VM name \"local\"");
    refused_vm("a b", "control-socket = /s\n", 0, "VM name \"a b\"");
    char huge[1200];
    memset(huge, '#', sizeof(huge) - 2);
    huge[sizeof(huge) - 2] = '\n';
    huge[sizeof(huge) - 1] = '\0';
    snprintf(text, sizeof(text), "control-socket = /s\n");
    char both[sizeof(huge) + 600];
    snprintf(both, sizeof(both), "%s%s", text, huge);
    refused_vm("a", both, 2, "line longer than");
    /* Two VMs on one socket: the second file's line, naming the first. */
    write_file("vms.d/a.conf", "control-socket = /run/one.sock\n");
    refused_vm("b", "region = /r\ncontrol-socket = /run/one.sock\n", 2,
               "VM b: the control socket /run/one.sock is also VM a's");
    write_file("vms.d/a.conf", "control-socket = /run/a.sock\nregion = /dev/shm/r\n");
    refused_vm("b", "control-socket = /run/b.sock\nregion = /dev/shm/r\n", 1,
               "the region /dev/shm/r is also VM a's");
    remove_file("vms.d/a.conf");
    /* A FIFO is refused, not waited on. */
    char fifo[256], why[1024];
    snprintf(fifo, sizeof(fifo), "%s/vms.d/f.conf", dir);
    CHECK_EQ(mkfifo(fifo, 0600), 0);
    struct vh_config c;
    CHECK(load(&c, why, sizeof(why)) != 0 && strstr(why, "f.conf: not a regular file"));
    unlink(fifo);
}

static void bad_main_files(void)
{
    refused_main("vm-socket-mode = 0660\nsocket = /x\n", 2, "unknown key \"socket\"");
    refused_main("vms-dir = vms\n", 1, "is not an absolute path");
    refused_main("# x\nlocal-weight = -1\n", 2, "weight=-1");
    refused_main("vm-socket-mode = 8\n", 1, "vm-socket-mode 8: want octal");
    /* A VM key in the main file is unknown there. */
    refused_main("weight = 2\n", 1, "unknown key \"weight\"");
}

/* The packages' example (packaging/vivacd.conf) reads as it is, and so
 * does the VM file it shows, uncommented (but for its group, which this
 * machine may not have). */
static void example(const char *path)
{
    FILE *f = fopen(path, "r");
    CHECK(f != NULL);
    if (!f)
        return;
    char line[256], vm[2048] = "";
    bool in_vm = false;
    while (fgets(line, sizeof(line), f)) {
        if (strstr(line, "/vms.d/vm1.conf:"))
            in_vm = true;
        else if (in_vm && strncmp(line, "#   ", 4) != 0)
            in_vm = false;
        else if (in_vm && !strstr(line, "socket-group"))
            snprintf(vm + strlen(vm), sizeof(vm) - strlen(vm), "%s", line + 4);
    }
    fclose(f);
    CHECK(strstr(vm, "control-socket = /run/vivac/vm1.sock\n") != NULL);
    struct vh_config c;
    char why[1024] = "";
    struct vh_file_access none = {0};
    CHECK_EQ(vh_config_load(path, &none, &c, why, sizeof(why)), 0);
    CHECK_EQ(c.num_vms, 0);
    CHECK(!c.local_qos_given);
    vh_config_clear(&c);
    write_file("vms.d/vm1.conf", vm);
    int err = load(&c, why, sizeof(why));
    CHECK_EQ(err, 0);
    if (err)
        fprintf(stderr, "  the example VM file: %s\n", why);
    CHECK_EQ(c.num_vms, 1);
    if (c.num_vms == 1)
        CHECK(c.vms[0].qos.weight == 2 && c.vms[0].spec.size == 256ull << 20 &&
              c.vms[0].access.mode == 0660 && c.vms[0].qos.limit > c.vms[0].qos.reservation);
    vh_config_clear(&c);
    remove_file("vms.d/vm1.conf");
}

int main(int argc, char **argv)
{
    snprintf(dir, sizeof(dir), "/tmp/vivac-config-XXXXXX");
    if (!mkdtemp(dir))
        return 1;
    char sub[128];
    snprintf(sub, sizeof(sub), "%s/vms.d", dir);
    mkdir(sub, 0755);
    write_file("vivacd.conf", "");
    good_files();
    bad_vm_files();
    bad_main_files();
    if (argc > 1)
        example(argv[1]);
    /* A missing main file is an error too (an explicit --config). */
    remove_file("vivacd.conf");
    struct vh_config c;
    char why[512];
    CHECK(load(&c, why, sizeof(why)) != 0 && strstr(why, "vivacd.conf: No such file"));
    remove_file("vms.d/notes.txt");
    remove_file("vms.d/.hidden.conf");
    rmdir(sub);
    rmdir(dir);
    return check_finish("test_config_file");
}
