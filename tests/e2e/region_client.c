/*
 * region_client UNIX_SOCKET VM...: plays QEMU and its guests against a
 * running vivacd whose VMs' shared regions are files this program can
 * truncate, as a compromised QEMU could. Each VM argument is
 * NAME:CONTROL_SOCKET:SHM_PATH, as given to vivacd --vm, in this order:
 *
 *   d  a DECODE_BITSTREAM whose slice data is in the arena when the region
 *      is truncated;
 *   g  a GET_IMAGE into the arena of a truncated region, while a second
 *      session of the same VM waits;
 *   p  a PUT_IMAGE out of the arena of a truncated region;
 *   c  a VM left alone.
 *
 * Each fault must end that session with ERROR "the VM's shared region was
 * truncated", end the VM's other sessions at their next request, and leave
 * the VM's new sessions without an arena (inline data); VM c and a Unix
 * client (memfd arena) must go on decoding and reading images through
 * their arenas. One line per case, "ok - name" / "not ok - name"; exit
 * status 1 if any case failed. The link framing over the control socket is
 * the one QEMU's virtio-serial chardev carries (transport/channel.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "wire_client.h"

#define W 64
#define H 64
#define ARENA (2u << 20)

struct vm {
    char *spec;                   /* owns the strings below */
    const char *name, *control, *shm;
    uint8_t *map;                 /* the whole region, mapped here */
    size_t size;
};

/* One session: the wire client, and where its arena is in this process. */
struct sess {
    struct client c;
    uint8_t *arena;
    uint64_t arena_size;
};

static uint64_t next_nonce = 0x7e570001;

/* A link session on the VM's control socket (one "port" each), HELLO
 * asking for an arena; *where gets the arena the daemon described. */
static bool vm_session(struct vm *vm, struct sess *s)
{
    memset(s, 0, sizeof(*s));
    s->c.arena.fd = -1;
    s->c.next_id = 1;
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    snprintf(a.sun_path, sizeof(a.sun_path), "%s", vm->control);
    if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a)) != 0) {
        fprintf(stderr, "region_client: connect %s: %s\n", vm->control, strerror(errno));
        if (fd >= 0)
            close(fd);
        return false;
    }
    if (vt_link_wrap(fd, next_nonce++, &s->c.ch) != 0)
        return false;
    if (!hello(&s->c, ARENA)) {
        fprintf(stderr, "region_client: HELLO on VM %s failed: %s\n", vm->name, s->c.message);
        return false;
    }
    struct vw_hello_reply r;
    struct vw_hello_arena where = {0};
    memcpy(&r, s->c.body, sizeof(r));
    if (s->c.body_len >= sizeof(r) + sizeof(where))
        memcpy(&where, s->c.body + sizeof(r), sizeof(where));
    if (r.arena_size && where.kind == VW_ARENA_SHM && where.offset + where.size <= vm->size) {
        s->arena = vm->map + where.offset;
        s->arena_size = where.size;
    }
    return true;
}

static bool unix_session(struct sess *s)
{
    memset(s, 0, sizeof(*s));
    if (!session(&s->c, ARENA))
        return false;
    s->arena = s->c.arena.base;
    s->arena_size = s->c.arena.size;
    return true;
}

static void sess_close(struct sess *s)
{
    client_close(&s->c);
}

static bool map_vm(struct vm *vm, const char *spec)
{
    char *copy = vm->spec = strdup(spec);
    vm->name = copy ? strtok(copy, ":") : NULL;
    vm->control = strtok(NULL, ":");
    vm->shm = strtok(NULL, ":");
    if (!vm->name || !vm->control || !vm->shm)
        return false;
    int fd = open(vm->shm, O_RDWR | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0) {
        fprintf(stderr, "region_client: %s: %s\n", vm->shm, strerror(errno));
        return false;
    }
    vm->size = (size_t)st.st_size;
    vm->map = mmap(NULL, vm->size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    close(fd);
    return vm->map != MAP_FAILED;
}

/* What QEMU (or a guest that escaped into it) can do to the file. From here
 * on this program must not touch the mapping either. */
static bool truncate_region(struct vm *vm)
{
    return truncate(vm->shm, 0) == 0;
}

/* ---- requests -------------------------------------------------------------- */

static void fill_picture(struct vw_h264_picture *p, uint32_t target)
{
    memset(p, 0, sizeof(*p));
    p->curr_pic = (struct vw_h264_ref){.surface_id = target, .flags = 0};
    for (int i = 0; i < 16; i++)
        p->reference_frames[i] = (struct vw_h264_ref){.surface_id = VW_INVALID_ID,
                                                      .flags = VW_H264_PIC_INVALID};
    p->picture_width_in_mbs_minus1 = W / 16 - 1;
    p->picture_height_in_mbs_minus1 = H / 16 - 1;
    p->num_ref_frames = 1;
    p->chroma_format_idc = 1;
    p->frame_mbs_only_flag = 1;
    p->direct_8x8_inference_flag = 1;
    p->reference_pic_flag = 1;
}

static void fill_slice(struct vw_h264_slice *s, uint32_t size)
{
    memset(s, 0, sizeof(*s));
    s->slice_data_size = size;
    s->slice_type = 2; /* I */
    s->slice_data_bit_offset = 8;
    for (int i = 0; i < 32; i++) {
        s->ref_pic_list0[i] = (struct vw_h264_ref){.surface_id = VW_INVALID_ID,
                                                   .flags = VW_H264_PIC_INVALID};
        s->ref_pic_list1[i] = s->ref_pic_list0[i];
    }
}

/* An IDR slice NAL with a start code; garbage after the header. */
static const uint8_t tiny_slice[] = {0, 0, 0, 1, 0x65, 0x88, 0x84, 0x00, 0x33, 0xff, 0x12, 0x34};

/* Surface 1 (NV12 64x64) and codec 1 (H.264 High 64x64). */
static bool objects(struct sess *s)
{
    struct vw_create_codec cc = {.codec_id = 1, .profile = VW_PROFILE_H264_HIGH,
                                 .entrypoint = VW_ENTRYPOINT_DECODE, .rt_format = VW_RT_YUV420,
                                 .width = W, .height = H};
    return create_surface(&s->c, 1, W, H) == VW_OK && REQ1(&s->c, VW_OP_CREATE_CODEC, cc) == VW_OK;
}

/* DECODE_BITSTREAM of tiny_slice at arena offset 0 (written there before,
 * unless the region is gone), or inline. */
static int decode(struct sess *s, bool inline_data)
{
    struct vw_decode_bitstream db = {
        .codec_id = 1, .codec = VW_CODEC_H264, .num_slices = 1,
        .picture_params_size = sizeof(struct vw_h264_picture),
        .slice_params_size = sizeof(struct vw_h264_slice),
        .data = {.location = inline_data ? VW_LOC_INLINE : VW_LOC_ARENA,
                 .size = sizeof(tiny_slice)},
    };
    struct vw_h264_picture pic;
    struct {
        struct vw_h264_slice slice;
        uint8_t data[sizeof(tiny_slice)];  /* sent only inline */
    } tail;
    fill_picture(&pic, 1);
    fill_slice(&tail.slice, sizeof(tiny_slice));
    memcpy(tail.data, tiny_slice, sizeof(tiny_slice));
    _Static_assert(sizeof(tail) == sizeof(tail.slice) + sizeof(tiny_slice), "no padding");
    return request(&s->c, VW_OP_DECODE_BITSTREAM, &db, sizeof(db), &pic, sizeof(pic), &tail,
                   inline_data ? sizeof(tail) : sizeof(tail.slice));
}

static const struct vw_image_layout nv12 = {.pixel_format = VW_FOURCC_NV12, .num_planes = 2,
                                             .pitches = {W, W}, .offsets = {0, W * H}};
#define IMAGE (W * H * 3 / 2)

static int put_image(struct sess *s, uint64_t offset)
{
    struct vw_put_image pi = {.surface_id = 1, .width = W, .height = H, .layout = nv12,
                              .src = {.location = VW_LOC_ARENA, .offset = offset,
                                      .size = IMAGE}};
    return REQ1(&s->c, VW_OP_PUT_IMAGE, pi);
}

static int get_image(struct sess *s, uint64_t offset)
{
    struct vw_get_image gi = {.surface_id = 1, .width = W, .height = H, .layout = nv12,
                              .dst = {.location = VW_LOC_ARENA, .offset = offset,
                                      .size = IMAGE}};
    return REQ1(&s->c, VW_OP_GET_IMAGE, gi);
}

/* After a request whose reply must be ERROR: the daemon sent ERROR
 * (request id 0, OUT_OF_BOUNDS, naming the truncated region), then closed. */
static bool ended_truncated(struct sess *s, int st)
{
    bool error = st == VW_ERR_OUT_OF_BOUNDS && s->c.hdr.opcode == VW_OP_ERROR &&
                 s->c.hdr.request_id == 0 && strstr(s->c.message, "shared region was truncated");
    if (!error)
        fprintf(stderr, "region_client: got %s #%u status %d: %s\n",
                vw_opcode_name(s->c.hdr.opcode), s->c.hdr.request_id, st, s->c.message);
    return error && closed(&s->c);
}

/* request() reports a message that is not the reply as -2000: the ERROR. */
static int status_of(struct sess *s, int st)
{
    return st == -2000 ? s->c.status : st;
}

/* A pattern through the arena and back: PUT_IMAGE from offset 0, GET_IMAGE
 * to offset 1 MiB, same bytes. Then a frame decoded from the arena (the
 * slice is garbage after its header: END_FRAME answers, with any status). */
static bool serves(struct sess *s, uint8_t seed)
{
    if (!s->arena || s->arena_size < (1u << 20) + IMAGE)
        return false;
    for (unsigned i = 0; i < IMAGE; i++)
        s->arena[i] = (uint8_t)(i * 13 + seed);
    memset(s->arena + (1u << 20), 0, IMAGE);
    if (put_image(s, 0) != VW_OK || get_image(s, 1u << 20) != VW_OK ||
        memcmp(s->arena, s->arena + (1u << 20), IMAGE) != 0)
        return false;
    memcpy(s->arena, tiny_slice, sizeof(tiny_slice));
    struct vw_begin_frame bf = {.codec_id = 1, .surface_id = 1};
    if (REQ1(&s->c, VW_OP_BEGIN_FRAME, bf) != VW_OK || decode(s, false) != VW_OK)
        return false;
    int st = end_frame(&s->c, 1);
    return st >= 0 && st < VW_STATUS_COUNT_;
}

int main(int argc, char **argv)
{
    if (argc != 6) {
        fprintf(stderr, "usage: region_client UNIX_SOCKET VM_D VM_G VM_P VM_C "
                        "(each NAME:CONTROL_SOCKET:SHM_PATH)\n");
        return 2;
    }
    socket_path = argv[1];
    struct vm d, g, p, c;
    if (!map_vm(&d, argv[2]) || !map_vm(&g, argv[3]) || !map_vm(&p, argv[4]) ||
        !map_vm(&c, argv[5])) {
        fprintf(stderr, "region_client: cannot map the regions\n");
        return 2;
    }

    struct sess sd, sg, sg2, sp, sc, su;
    if (!vm_session(&d, &sd) || !vm_session(&g, &sg) || !vm_session(&g, &sg2) ||
        !vm_session(&p, &sp) || !vm_session(&c, &sc) || !unix_session(&su)) {
        fprintf(stderr, "region_client: cannot open the sessions\n");
        return 2;
    }
    result(sd.arena && sg.arena && sg2.arena && sp.arena && sc.arena && su.arena,
           "every session has an arena (VM slices, a memfd)");
    result(objects(&sd) && objects(&sg) && objects(&sp) && objects(&sc) && objects(&su),
           "surfaces and codecs created");
    result(serves(&sd, 1) && serves(&sg, 2) && serves(&sp, 3) && serves(&sc, 4) && serves(&su, 5),
           "before: PUT_IMAGE, GET_IMAGE and DECODE_BITSTREAM through each arena");

    /* d: slice data in the arena, a frame open; the region goes. */
    bool t = begin_frame(&sd.c, 1, 1) == VW_OK;
    memcpy(sd.arena, tiny_slice, sizeof(tiny_slice));
    t = truncate_region(&d) && t;
    result(t && ended_truncated(&sd, status_of(&sd, decode(&sd, false))),
           "DECODE_BITSTREAM from a truncated region -> ERROR (region truncated), closed");

    /* g: GET_IMAGE into the truncated region. */
    t = truncate_region(&g);
    result(t && ended_truncated(&sg, status_of(&sg, get_image(&sg, 0))),
           "GET_IMAGE into a truncated region -> ERROR (region truncated), closed");
    /* The VM's other session ends at its next request, whatever it is. */
    int st = status_of(&sg2, request(&sg2.c, VW_OP_QUERY_CAPS, NULL, 0, NULL, 0, NULL, 0));
    result(ended_truncated(&sg2, st), "the same VM's other session -> ERROR at its next request");

    /* p: PUT_IMAGE out of the truncated region. */
    t = truncate_region(&p);
    result(t && ended_truncated(&sp, status_of(&sp, put_image(&sp, 0))),
           "PUT_IMAGE from a truncated region -> ERROR (region truncated), closed");

    /* The VMs reconnect: served, with inline data only. */
    struct sess again;
    bool ok = vm_session(&d, &again);
    result(ok && !again.arena && objects(&again) &&
           REQ1(&again.c, VW_OP_BEGIN_FRAME, ((struct vw_begin_frame){.codec_id = 1,
                                                                      .surface_id = 1})) == VW_OK &&
           decode(&again, true) == VW_OK,
           "a new session of the truncated VM: no arena, inline decode OK");
    if (ok)
        sess_close(&again);

    /* Everyone else goes on. */
    result(serves(&sc, 6), "the other VM: PUT_IMAGE, GET_IMAGE, DECODE_BITSTREAM through its region");
    result(serves(&su, 7), "a Unix client: the same through its memfd arena");
    struct sess sc2;
    ok = vm_session(&c, &sc2);
    result(ok && sc2.arena && objects(&sc2) && serves(&sc2, 8),
           "the other VM's new session gets a slice and is served");
    if (ok)
        sess_close(&sc2);
    result(daemon_serves(), "the daemon serves new Unix sessions");

    sess_close(&sd);
    sess_close(&sg);
    sess_close(&sg2);
    sess_close(&sp);
    sess_close(&sc);
    sess_close(&su);
    struct vm *all[] = {&d, &g, &p, &c};
    for (unsigned i = 0; i < 4; i++) {
        munmap(all[i]->map, all[i]->size);
        free(all[i]->spec);
    }
    return failures ? 1 : 0;
}
