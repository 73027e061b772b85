/* The VMs served now and their reload (vm_set.h). */
#include "host/vm_set.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"
#include "host/qos_policy.h"
#include "host/server.h"
#include "host/worker_pool.h"

struct entry {
    struct vh_vm_conf conf;
    struct vh_vm *vm;
    int fd;                       /* listening; -1: not yet */
};

struct vh_vm_set {
    char *config_path;
    char *socket_path;            /* vivacd's own --socket: no VM's */
    struct vh_file_access access;
    struct vh_vm_conf *cmdline;   /* the --vm's, as checked at start */
    unsigned num_cmdline;
    struct vh_sched_policy local_qos; /* the main file's, last read */
    bool local_qos_given;
    struct entry *e;
    unsigned n;
};

static void entry_close(struct entry *e, bool unlink_socket)
{
    if (e->fd >= 0) {
        close(e->fd);
        if (unlink_socket)
            unlink(e->conf.spec.control);
    }
    e->fd = -1;
    vh_vm_destroy(&e->vm);
}

void vh_vm_set_destroy(struct vh_vm_set **setp)
{
    struct vh_vm_set *s = setp ? *setp : NULL;
    if (!s)
        return;
    for (unsigned i = 0; i < s->n; i++)
        entry_close(&s->e[i], true);
    free(s->e);
    free(s->cmdline);
    free(s->config_path);
    free(s->socket_path);
    free(s);
    *setp = NULL;
}

/* The files (if any) and the --vm's, checked together. */
static int read_all(const struct vh_vm_set *s, struct vh_config *c, char *why, size_t why_size)
{
    memset(c, 0, sizeof(*c));
    c->vm_access = s->access;
    c->local_qos.weight = 1;
    int err = s->config_path ? vh_config_load(s->config_path, &s->access, c, why, why_size) : 0;
    for (unsigned i = 0; !err && i < s->num_cmdline; i++)
        err = vh_config_add_vm(c, &s->cmdline[i], why, why_size);
    for (unsigned i = 0; !err && s->socket_path && i < c->num_vms; i++)
        if (strcmp(c->vms[i].spec.control, s->socket_path) == 0) {
            snprintf(why, why_size, "%s: VM %s: the control socket %s is vivacd's own --socket",
                     c->vms[i].origin, c->vms[i].spec.name, s->socket_path);
            err = -EINVAL;
        }
    if (err)
        vh_config_clear(c);
    return err;
}

/* Makes the VM of conf into e (its region; no listener). */
static int entry_make(struct entry *e, const struct vh_vm_conf *conf, char *why, size_t why_size)
{
    e->conf = *conf;
    e->fd = -1;
    char reason[512];
    int err = vh_vm_create_spec(&conf->spec, &conf->access, &e->vm, reason, sizeof(reason));
    if (err)
        snprintf(why, why_size, "%s: %s", conf->origin, reason);
    return err;
}

int vh_vm_set_create(const struct vh_vm_set_config *config, struct vh_vm_set **out, char *why,
                     size_t why_size)
{
    struct vh_vm_set *s = calloc(1, sizeof(*s));
    if (!s)
        return -ENOMEM;
    s->access = config->access;
    int err = -ENOMEM;
    if ((config->config_path && !(s->config_path = strdup(config->config_path))) ||
        (config->socket_path && !(s->socket_path = strdup(config->socket_path))))
        goto err;
    if (config->num_vm_specs &&
        !(s->cmdline = calloc(config->num_vm_specs, sizeof(*s->cmdline))))
        goto err;
    for (unsigned i = 0; i < config->num_vm_specs; i++) {
        struct vh_vm_conf *c = &s->cmdline[i];
        char reason[512];
        err = vh_vm_spec_parse(config->vm_specs[i], &c->spec, reason, sizeof(reason));
        if (err) {
            snprintf(why, why_size, "--vm: %s", reason);
            goto err;
        }
        c->access = config->access;
        c->qos.weight = 1;
        snprintf(c->origin, sizeof(c->origin), "--vm");
        s->num_cmdline++;
    }
    struct vh_config c;
    err = read_all(s, &c, why, why_size);
    if (err)
        goto err;
    s->local_qos = c.local_qos;
    s->local_qos_given = c.local_qos_given;
    err = -ENOMEM;
    if (c.num_vms && !(s->e = calloc(c.num_vms, sizeof(*s->e))))
        goto err_config;
    for (err = 0; s->n < c.num_vms && !err; s->n++)
        err = entry_make(&s->e[s->n], &c.vms[s->n], why, why_size);
    if (err)
        s->n--;
err_config:
    vh_config_clear(&c);
    if (err)
        goto err;
    *out = s;
    return 0;
err:
    vh_vm_set_destroy(&s);
    return err;
}

unsigned vh_vm_set_count(const struct vh_vm_set *s)
{
    return s ? s->n : 0;
}

int vh_vm_set_fd(const struct vh_vm_set *s, unsigned i)
{
    return s->e[i].fd;
}

struct vh_vm *vh_vm_set_vm(const struct vh_vm_set *s, unsigned i)
{
    return s->e[i].vm;
}

const char *vh_vm_set_region(const struct vh_vm_set *s, const char *name)
{
    for (unsigned i = 0; s && i < s->n; i++)
        if (strcmp(s->e[i].conf.spec.name, name) == 0)
            return s->e[i].conf.spec.shm_path;
    return NULL;
}

static int entry_listen(struct entry *e)
{
    int err = vh_listen_unix(e->conf.spec.control, &e->conf.access, &e->fd);
    if (!err)
        vc_info("VM %s: control socket %s", e->conf.spec.name, e->conf.spec.control);
    return err;
}

int vh_vm_set_listen(struct vh_vm_set *s)
{
    for (unsigned i = 0; i < s->n; i++) {
        int err = entry_listen(&s->e[i]);
        if (err)
            return err;
    }
    return 0;
}

static void set_class(struct vh_sched *sched, const char *name, const struct vh_sched_policy *p,
                      const char *why)
{
    int c = vh_sched_class(sched, name);
    if (c < 0) {
        vc_error("scheduler: no room for class %s", name);
        return;
    }
    vh_sched_set_policy(sched, (uint32_t)c, p);
    if (why) {
        char text[128];
        vh_qos_format(p, text, sizeof(text));
        vc_info("scheduler: class %s: %s (%s)", name, text, why);
    }
}

int vh_vm_set_apply_qos(const struct vh_vm_set *s, struct vh_sched *sched)
{
    if (s->local_qos_given)
        set_class(sched, "local", &s->local_qos, NULL);
    for (unsigned i = 0; i < s->n; i++)
        set_class(sched, s->e[i].conf.spec.name, &s->e[i].conf.qos, NULL);
    return 0;
}

static bool same_place(const struct vh_vm_spec *a, const struct vh_vm_spec *b)
{
    return strcmp(a->control, b->control) == 0 && strcmp(a->shm_path, b->shm_path) == 0 &&
           a->size == b->size;
}

static bool same_policy(const struct vh_sched_policy *a, const struct vh_sched_policy *b)
{
    return a->weight == b->weight && a->reservation == b->reservation && a->limit == b->limit;
}

static bool same_access(const struct vh_file_access *a, const struct vh_file_access *b)
{
    return a->set_gid == b->set_gid && (!a->set_gid || a->gid == b->gid) && a->mode == b->mode;
}

static struct entry *find(struct entry *e, unsigned n, const char *name)
{
    for (unsigned i = 0; i < n; i++)
        if (strcmp(e[i].conf.spec.name, name) == 0)
            return &e[i];
    return NULL;
}

/* The index of the old VM listening on that very path (its fd is reused:
 * a second listen there would find it live), or -1. */
static int listening_on(const struct entry *old, unsigned n, const char *path)
{
    for (unsigned i = 0; i < n; i++)
        if (old[i].fd >= 0 && strcmp(old[i].conf.spec.control, path) == 0)
            return (int)i;
    return -1;
}

/* Control bytes out of a reason (a file name may hold a newline): the
 * admin reply and the log are one line. */
static void one_line(char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < ' ' || *s == 0x7f)
            *s = '?';
}

/* What a reload makes before it changes anything: per VM of the new
 * configuration, whether it is new (or moved), and whose fd it took. */
struct plan {
    struct entry *next;
    bool *made;
    int *from;                    /* index of the old VM whose fd it took; -1: none */
};

static void plan_free(struct plan *p, unsigned n, struct vh_vm_set *s, bool undo)
{
    for (unsigned i = 0; undo && p->next && p->made && p->from && i < n; i++) {
        if (p->from[i] >= 0) {
            s->e[p->from[i]].fd = p->next[i].fd;
            p->next[i].fd = -1;
        }
        if (p->made[i]) {
            vh_vm_remove_created_region(p->next[i].vm);
            entry_close(&p->next[i], true);
        }
    }
    free(p->next);
    free(p->made);
    free(p->from);
}

/* The fallible part: regions and listeners of the new and moved VMs. */
static int plan_make(struct vh_vm_set *s, const struct vh_config *c, struct plan *p, char *why,
                     size_t why_size)
{
    size_t n = c->num_vms ? c->num_vms : 1;
    p->next = calloc(n, sizeof(*p->next));
    p->made = calloc(n, sizeof(*p->made));
    p->from = calloc(n, sizeof(*p->from));
    if (!p->next || !p->made || !p->from) {
        snprintf(why, why_size, "out of memory");
        return -ENOMEM;
    }
    for (unsigned i = 0; i < c->num_vms; i++)
        p->from[i] = -1;
    for (unsigned i = 0; i < c->num_vms; i++) {
        const struct vh_vm_conf *conf = &c->vms[i];
        struct entry *old = find(s->e, s->n, conf->spec.name);
        p->next[i].fd = -1;
        if (old && same_place(&old->conf.spec, &conf->spec))
            continue; /* kept: moved over at the commit */
        int err = entry_make(&p->next[i], conf, why, why_size);
        if (err)
            return err;
        p->made[i] = true;
        p->from[i] = listening_on(s->e, s->n, conf->spec.control);
        if (p->from[i] >= 0) {
            p->next[i].fd = s->e[p->from[i]].fd;
            s->e[p->from[i]].fd = -1;
        } else if ((err = entry_listen(&p->next[i])) != 0) {
            snprintf(why, why_size, "%s: VM %s: cannot listen on %s: %s", conf->origin,
                     conf->spec.name, conf->spec.control, strerror(-err));
            return err;
        }
    }
    return 0;
}

/* A VM kept where it is: its file's QoS and access apply live. True if
 * anything changed. A group and mode that could not be set (the socket
 * re-owned by libvirt, or gone) are said in `unapplied` (its first), not
 * only logged: the reload's reply must not claim them. */
static bool update_kept(const struct entry *old, const struct vh_vm_conf *conf,
                        struct vh_sched *sched, char *unapplied, size_t unapplied_size)
{
    bool changed = false;
    if (!same_policy(&old->conf.qos, &conf->qos)) {
        if (sched)
            set_class(sched, conf->spec.name, &conf->qos, "its file, reloaded");
        changed = true;
    }
    if (!same_access(&old->conf.access, &conf->access)) {
        int err = vh_file_access_apply_path(&conf->access, conf->spec.control);
        vc_log(err ? VC_LOG_WARN : VC_LOG_INFO, "VM %s: control socket %s: group and mode set "
               "again%s%s", conf->spec.name, conf->spec.control, err ? ": " : "",
               err ? strerror(-err) : "");
        if (err && !unapplied[0])
            snprintf(unapplied, unapplied_size, "VM %s: control socket %s: group and mode "
                     "not set: %s", conf->spec.name, conf->spec.control, strerror(-err));
        changed = true;
    }
    return changed;
}

int vh_vm_set_reload(struct vh_vm_set *s, struct vh_sched *sched, struct vh_pool *pool,
                     char *summary, size_t summary_size)
{
    if (!s->config_path) {
        snprintf(summary, summary_size,
                 "no configuration file to read again (vivacd --config FILE)");
        return -ENOENT;
    }
    struct vh_config c;
    int err = read_all(s, &c, summary, summary_size);
    if (err) {
        one_line(summary);
        return err;
    }
    struct plan p = {0};
    err = plan_make(s, &c, &p, summary, summary_size);
    if (err) {
        plan_free(&p, c.num_vms, s, true);
        vh_config_clear(&c);
        one_line(summary);
        return err;
    }
    /* Commit: nothing fails from here (but a socket's group and mode may
     * not be set: said in the reply). */
    unsigned added = 0, changed = 0, removed = 0, kept = 0;
    char unapplied[512] = "";
    for (unsigned k = 0; k < s->n; k++) {
        struct entry *old = &s->e[k];
        unsigned i = 0;
        while (i < c.num_vms && strcmp(c.vms[i].spec.name, old->conf.spec.name) != 0)
            i++;
        if (i < c.num_vms && !p.made[i]) {
            update_kept(old, &c.vms[i], sched, unapplied, sizeof(unapplied)) ? changed++
                                                                               : kept++;
            p.next[i] = *old;
            p.next[i].conf = c.vms[i];
            continue;
        }
        char role[80];
        snprintf(role, sizeof(role), "vm:%s", old->conf.spec.name);
        vc_warn("VM %s: %s: control socket %s %s; its sessions end; its region %s is left as "
                "is", old->conf.spec.name,
                i < c.num_vms ? "its socket, region or region size changed"
                              : "its file is gone",
                old->conf.spec.control, old->fd < 0 ? "taken over" : "closed and removed",
                old->conf.spec.shm_path[0] ? old->conf.spec.shm_path : "(none)");
        vh_pool_end_role(pool, role);
        if (sched && i == c.num_vms) {
            /* Its class goes once its worker has ended (metrics, vivac top). */
            int cls = vh_qos_class(sched, old->conf.spec.name);
            if (cls >= 0)
                vh_sched_class_unkeep(sched, (uint32_t)cls);
        }
        entry_close(old, true);
        i < c.num_vms ? changed++ : removed++;
    }
    for (unsigned i = 0; i < c.num_vms; i++) {
        struct entry *e = &p.next[i];
        if (!p.made[i])
            continue;
        if (!find(s->e, s->n, e->conf.spec.name))
            added++;
        if (p.from[i] >= 0)
            vh_file_access_apply_path(&e->conf.access, e->conf.spec.control);
        if (sched)
            set_class(sched, e->conf.spec.name, &e->conf.qos, "its file");
        vc_info("VM %s: served (%s): control socket %s, region %s", e->conf.spec.name,
                e->conf.origin, e->conf.spec.control,
                e->conf.spec.shm_path[0] ? e->conf.spec.shm_path : "(none)");
    }
    if (!same_policy(&s->local_qos, &c.local_qos)) {
        if (sched)
            set_class(sched, "local", &c.local_qos, "the main file, reloaded");
        changed++;
    }
    s->local_qos = c.local_qos;
    s->local_qos_given = c.local_qos_given;
    free(s->e);
    s->e = p.next;
    s->n = c.num_vms;
    p.next = NULL;
    plan_free(&p, 0, s, false);
    vh_config_clear(&c);
    snprintf(summary, summary_size, "%u added, %u removed, %u changed, %u unchanged%s%s",
             added, removed, changed, kept, unapplied[0] ? "; warning: " : "", unapplied);
    one_line(summary);
    return 0;
}
