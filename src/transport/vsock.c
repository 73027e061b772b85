/* Control channel over AF_VSOCK: a connected stream socket without fd
 * passing (the Unix ops serve it). */
#include "transport/channel.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/vm_sockets.h>

static int vsock_socket(int *fd)
{
    *fd = socket(AF_VSOCK, SOCK_STREAM | SOCK_CLOEXEC, 0);
    /* EAFNOSUPPORT: no vsock transport in this kernel (guest: vmw_vsock_
     * virtio_transport; host: vhost_vsock and /dev/vhost-vsock). */
    return *fd < 0 ? -errno : 0;
}

int vt_vsock_connect(unsigned cid, unsigned port, struct vt_channel **out)
{
    int fd, err = vsock_socket(&fd);
    if (err)
        return err;
    struct sockaddr_vm addr = {.svm_family = AF_VSOCK, .svm_cid = cid, .svm_port = port};
    if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
        err = -errno;
        close(fd);
        return err;
    }
    return vt_socket_wrap(fd, false, out);
}

int vt_vsock_listen(unsigned port, int *listen_fd)
{
    int fd, err = vsock_socket(&fd);
    if (err)
        return err;
    struct sockaddr_vm addr = {.svm_family = AF_VSOCK, .svm_cid = VMADDR_CID_ANY,
                               .svm_port = port};
    if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0 || listen(fd, 64) < 0) {
        err = -errno;
        close(fd);
        return err;
    }
    *listen_fd = fd;
    return 0;
}

int vt_vsock_accept(int listen_fd, struct vt_channel **out, unsigned *peer_cid)
{
    for (;;) {
        struct sockaddr_vm addr;
        socklen_t len = sizeof(addr);
        memset(&addr, 0, sizeof(addr));
        int fd = accept4(listen_fd, (struct sockaddr *)&addr, &len, SOCK_CLOEXEC);
        if (fd >= 0) {
            if (peer_cid)
                *peer_cid = addr.svm_cid;
            return vt_socket_wrap(fd, false, out);
        }
        if (errno != EINTR)
            return -errno;
    }
}
