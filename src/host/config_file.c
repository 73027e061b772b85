/* vivacd's configuration files (config_file.h). */
#include "host/config_file.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "host/qos_policy.h"

#define MAX_LINE 1024
#define MAX_KEYS 16

/* One file being read: where, and what its keys have set so far. */
struct reader {
    const char *file;
    unsigned line;
    unsigned key_line[MAX_KEYS];  /* where each key of the table was given; 0: not */
    char *why;
    size_t why_size;
    struct vh_config *config;     /* the main file's settings go here */
    struct vh_vm_conf *vm;        /* a VM file's, here (NULL: the main file) */
    bool region_size_given;
};

static int fail(struct reader *r, const char *fmt, ...)
{
    int n = r->line ? snprintf(r->why, r->why_size, "%s:%u: ", r->file, r->line)
                    : snprintf(r->why, r->why_size, "%s: ", r->file);
    if (n < 0 || (size_t)n >= r->why_size)
        return -EINVAL;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->why + n, r->why_size - (size_t)n, fmt, ap);
    va_end(ap);
    return -EINVAL;
}

/* An absolute path of at most cap - 1 bytes, no control bytes. */
static int set_path(struct reader *r, const char *key, const char *value, char *dst, size_t cap)
{
    if (value[0] != '/')
        return fail(r, "%s: \"%s\" is not an absolute path", key, value);
    if (strlen(value) >= cap)
        return fail(r, "%s: path too long (%zu bytes, at most %zu)", key, strlen(value), cap - 1);
    for (const char *c = value; *c; c++)
        if ((unsigned char)*c < ' ' || *c == 0x7f)
            return fail(r, "%s: a control character in the path", key);
    memcpy(dst, value, strlen(value) + 1);
    return 0;
}

static int set_access(struct reader *r, const char *key, bool group, const char *value,
                      struct vh_file_access *a)
{
    char why[160];
    if (!(group ? vh_file_access_parse_group : vh_file_access_parse_mode)(value, a, why,
                                                                           sizeof(why)))
        return 0;
    /* Its reason names the command-line option: "--socket-mode X: ..." */
    const char *rest = strncmp(why, "--socket-", 9) == 0 && strchr(why, ' ') ? strchr(why, ' ')
                                                                              : why;
    return fail(r, "%s%s", rest == why ? "" : key, rest);
}

/* weight, reserve or limit: one value, checked alone here (the three
 * together once the file is read). */
static int set_qos(struct reader *r, const char *key, const char *value,
                   struct vh_sched_policy *p)
{
    if (strpbrk(value, ", =\t"))
        return fail(r, "%s: \"%s\" is not one value", key, value);
    const char *bare = strchr(key, '-') ? strchr(key, '-') + 1 : key; /* local-weight */
    char text[128], why[256];
    struct vh_sched_policy alone = {.weight = 1};
    snprintf(text, sizeof(text), "%s=%s", bare, value);
    if (vh_qos_parse(text, &alone, why, sizeof(why)))
        return fail(r, "%s", why);
    /* The three are checked together once the file is read. */
    if (bare[0] == 'w')
        p->weight = alone.weight;
    else if (bare[0] == 'r')
        p->reservation = alone.reservation;
    else
        p->limit = alone.limit;
    return 0;
}

/* The keys: each table's handler gets the key's index in it. */
static int main_key(struct reader *r, unsigned k, const char *key, const char *value)
{
    struct vh_config *c = r->config;
    switch (k) {
    case 0:
        return set_path(r, key, value, c->vms_dir, sizeof(c->vms_dir));
    case 1:
    case 2:
        return set_access(r, key, k == 1, value, &c->vm_access);
    default:
        c->local_qos_given = true;
        return set_qos(r, key, value, &c->local_qos);
    }
}

static int vm_key(struct reader *r, unsigned k, const char *key, const char *value)
{
    struct vh_vm_spec *s = &r->vm->spec;
    switch (k) {
    case 0:
        if (set_path(r, key, value, s->control, sizeof(s->control)))
            return -EINVAL;
        snprintf(r->vm->origin, sizeof(r->vm->origin), "%s:%u", r->file, r->line);
        return 0;
    case 1:
        return set_path(r, key, value, s->shm_path, sizeof(s->shm_path));
    case 2:
        r->region_size_given = true;
        if (vh_vm_parse_size_mb(value, &s->size))
            return fail(r, "%s: \"%s\" MiB: want a power of two from 2 to %u (QEMU's ivshmem "
                        "needs a power of two)", key, value, VH_VM_MAX_REGION_MB);
        return 0;
    case 3:
    case 4:
        return set_access(r, key, k == 3, value, &r->vm->access);
    default:
        return set_qos(r, key, value, &r->vm->qos);
    }
}

static const char *const main_keys[] = {"vms-dir", "vm-socket-group", "vm-socket-mode",
                                        "local-weight", "local-reserve", "local-limit", NULL};
static const char *const vm_keys[] = {"control-socket", "region", "region-size", "socket-group",
                                      "socket-mode", "weight", "reserve", "limit", NULL};

static char *trim(char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    size_t n = strlen(s);
    while (n && isspace((unsigned char)s[n - 1]))
        s[--n] = '\0';
    return s;
}

/* One "key = value" line (neither blank nor a comment). */
static int read_line(struct reader *r, char *text)
{
    const char *const *keys = r->vm ? vm_keys : main_keys;
    char *eq = strchr(text, '=');
    if (!eq)
        return fail(r, "\"%.64s\" is not key = value", text);
    *eq = '\0';
    char *key = trim(text), *value = trim(eq + 1);
    unsigned k = 0;
    while (keys[k] && strcmp(keys[k], key) != 0)
        k++;
    if (!keys[k]) {
        char list[256] = "";
        for (const char *const *p = keys; *p; p++)
            snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s",
                     p == keys ? "" : ", ", *p);
        return fail(r, "unknown key \"%.64s\" (%s)", key, list);
    }
    if (r->key_line[k])
        return fail(r, "%s given twice (first on line %u)", key, r->key_line[k]);
    if (!*value)
        return fail(r, "%s: no value", key);
    r->key_line[k] = r->line;
    return r->vm ? vm_key(r, k, key, value) : main_key(r, k, key, value);
}

static int read_file(struct reader *r, const char *path)
{
    r->file = path;
    r->line = 0;
    /* O_NONBLOCK: a FIFO put there must not hang the daemon in open. */
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
    if (fd < 0)
        return fail(r, "%s", strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return fail(r, "not a regular file");
    }
    FILE *f = fdopen(fd, "r");
    if (!f) {
        close(fd);
        return fail(r, "%s", strerror(errno));
    }
    int err = 0;
    char buf[MAX_LINE + 2];
    while (fgets(buf, sizeof(buf), f)) {
        r->line++;
        size_t n = strlen(buf);
        if (n == sizeof(buf) - 1 && buf[n - 1] != '\n') {
            err = fail(r, "line longer than %d bytes", MAX_LINE);
            goto out;
        }
        char *text = trim(buf);
        if (!*text || *text == '#')
            continue;
        err = read_line(r, text);
        if (err)
            goto out;
    }
    if (ferror(f))
        err = fail(r, "%s", strerror(errno));
out:
    fclose(f);
    return err;
}

/* The three QoS keys together: a limit below the reservation is refused
 * on the limit's line (or the reserve's). */
static int check_qos(struct reader *r, const struct vh_sched_policy *p, unsigned first_key)
{
    char why[256];
    if (!vh_sched_policy_check(p, why, (unsigned)sizeof(why)))
        return 0;
    r->line = r->key_line[first_key + 2] ? r->key_line[first_key + 2] : r->key_line[first_key + 1];
    return fail(r, "%s", why);
}

int vh_config_add_vm(struct vh_config *c, const struct vh_vm_conf *vm, char *why, size_t why_size)
{
    const struct vh_vm_spec *s = &vm->spec;
    for (unsigned i = 0; i < c->num_vms; i++) {
        const struct vh_vm_conf *o = &c->vms[i];
        const char *what = NULL, *value = NULL;
        if (strcmp(o->spec.name, s->name) == 0)
            what = "the name", value = s->name;
        else if (strcmp(o->spec.control, s->control) == 0)
            what = "the control socket", value = s->control;
        else if (s->shm_path[0] && strcmp(o->spec.shm_path, s->shm_path) == 0)
            what = "the region", value = s->shm_path;
        if (what) {
            snprintf(why, why_size, "%s: VM %s: %s %s is also VM %s's (%s)", vm->origin, s->name,
                     what, value, o->spec.name, o->origin);
            return -EINVAL;
        }
    }
    if (c->num_vms >= VH_CONFIG_MAX_VMS) {
        snprintf(why, why_size, "%s: more than %u VMs", vm->origin, VH_CONFIG_MAX_VMS);
        return -EINVAL;
    }
    struct vh_vm_conf *vms = realloc(c->vms, sizeof(*vms) * (c->num_vms + 1));
    if (!vms) {
        snprintf(why, why_size, "out of memory");
        return -ENOMEM;
    }
    c->vms = vms;
    vms[c->num_vms++] = *vm;
    return 0;
}

static int read_vm(struct vh_config *c, const char *dir, const char *entry, char *why,
                   size_t why_size)
{
    char path[PATH_MAX];
    struct vh_vm_conf vm = {.from_file = true, .access = c->vm_access, .qos = {.weight = 1}};
    struct reader r = {.why = why, .why_size = why_size, .config = c, .vm = &vm, .file = path};
    size_t name_len = strlen(entry) - strlen(".conf");
    if (snprintf(path, sizeof(path), "%s/%s", dir, entry) >= (int)sizeof(path))
        return fail(&r, "path too long");
    if (name_len >= sizeof(vm.spec.name))
        return fail(&r, "VM name (the file's name) longer than %zu bytes",
                    sizeof(vm.spec.name) - 1);
    memcpy(vm.spec.name, entry, name_len);
    if (!vh_vm_name_valid(vm.spec.name))
        return fail(&r, "VM name \"%s\" (the file's name): want letters, digits, '.', '_' and "
                    "'-' (and not local)", vm.spec.name);
    int err = read_file(&r, path);
    if (err)
        return err;
    r.line = 0;
    if (!r.key_line[0])
        return fail(&r, "no control-socket");
    if (r.region_size_given && !vm.spec.shm_path[0]) {
        r.line = r.key_line[2];
        return fail(&r, "region-size without a region");
    }
    if (!vm.spec.size)
        vm.spec.size = 64ull << 20;
    err = check_qos(&r, &vm.qos, 5);
    return err ? err : vh_config_add_vm(c, &vm, why, why_size);
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every NAME.conf of dir (no hidden files), in name order. */
static int read_dir(struct vh_config *c, char *why, size_t why_size)
{
    DIR *d = opendir(c->vms_dir);
    if (!d) {
        if (errno == ENOENT)
            return 0;
        snprintf(why, why_size, "%s: %s", c->vms_dir, strerror(errno));
        return -errno;
    }
    char **names = NULL;
    size_t n = 0;
    int err = 0;
    for (struct dirent *e; (e = readdir(d)) != NULL;) {
        size_t len = strlen(e->d_name);
        if (e->d_name[0] == '.' || len <= 5 || strcmp(e->d_name + len - 5, ".conf") != 0)
            continue;
        char **more = n < VH_CONFIG_MAX_VMS + 1 ? realloc(names, sizeof(*names) * (n + 1)) : NULL;
        if (!more || !(more[n] = strdup(e->d_name))) {
            if (more)
                names = more;
            snprintf(why, why_size, "%s: %s", c->vms_dir,
                     more ? "out of memory" : "too many VM files");
            err = more ? -ENOMEM : -EINVAL;
            break;
        }
        names = more;
        n++;
    }
    closedir(d);
    if (!err)
        qsort(names, n, sizeof(*names), by_name);
    for (size_t i = 0; i < n && !err; i++)
        err = read_vm(c, c->vms_dir, names[i], why, why_size);
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    return err;
}

int vh_config_load(const char *path, const struct vh_file_access *defaults, struct vh_config *c,
                   char *why, size_t why_size)
{
    memset(c, 0, sizeof(*c));
    c->vm_access = *defaults;
    c->local_qos.weight = 1;
    struct reader r = {.why = why, .why_size = why_size, .config = c};
    int err = read_file(&r, path);
    if (!err)
        err = check_qos(&r, &c->local_qos, 3);
    if (!err && !c->vms_dir[0]) {
        /* vms.d beside the main file. */
        const char *slash = strrchr(path, '/');
        int dir = slash ? (int)(slash - path) : 1;
        if (snprintf(c->vms_dir, sizeof(c->vms_dir), "%.*s/vms.d", dir, slash ? path : ".") >=
            (int)sizeof(c->vms_dir)) {
            r.line = 0;
            err = fail(&r, "path too long");
        }
    }
    if (!err)
        err = read_dir(c, why, why_size);
    if (err)
        vh_config_clear(c);
    return err;
}

void vh_config_clear(struct vh_config *c)
{
    free(c->vms);
    c->vms = NULL;
    c->num_vms = 0;
}
