// A minimal io_uring echo server in C, the anchor for the BypassNet benchmark: what the same design costs with no
// runtime at all. One thread, one ring (SINGLE_ISSUER | DEFER_TASKRUN when the kernel has them), multishot accept,
// multishot receive into a provided buffer ring, and each filled buffer sent back as is, one send in flight per
// connection (later chunks queue behind it, so the byte stream keeps its order). The buffer goes back on the ring once
// its send completes: the same zero-copy shape as BypassNet's owned path.
//
// Build: gcc -O2 -o echo_uring echo_uring.c -luring      Run: ./echo_uring PORT     (prints "listening ...")
#include <errno.h>
#include <liburing.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

enum { BUFFERS = 1024, BUFFER_SIZE = 16 * 1024, MAX_FDS = 65536, GROUP = 0 };
enum { OP_ACCEPT = 1, OP_RECV = 2, OP_SEND = 3 };

static struct io_uring ring;
static struct io_uring_buf_ring *buf_ring;
static unsigned char *buffers;
// Per buffer: bytes to send, bytes sent, next buffer queued on the same connection.
static int send_len[BUFFERS], send_off[BUFFERS], next_bid[BUFFERS];
// Per connection: the queue of buffers to send; the head is the one in flight.
static int queue_head[MAX_FDS], queue_tail[MAX_FDS];
// Per connection: the peer closed while sends were queued; close once they are out.
static unsigned char closing[MAX_FDS];

static uint64_t tag(int op, int fd, int bid) { return ((uint64_t)op << 48) | ((uint64_t)(uint32_t)fd << 16) | (uint16_t)bid; }

static struct io_uring_sqe *sqe(void) {
    struct io_uring_sqe *s = io_uring_get_sqe(&ring);
    if (!s) {
        io_uring_submit(&ring);
        s = io_uring_get_sqe(&ring);
    }
    return s;
}

static void arm_accept(int listener) {
    struct io_uring_sqe *s = sqe();
    io_uring_prep_multishot_accept(s, listener, NULL, NULL, 0);
    io_uring_sqe_set_data64(s, tag(OP_ACCEPT, listener, 0));
}

static void arm_recv(int fd) {
    struct io_uring_sqe *s = sqe();
    io_uring_prep_recv_multishot(s, fd, NULL, 0, 0);
    s->flags |= IOSQE_BUFFER_SELECT;
    s->buf_group = GROUP;
    io_uring_sqe_set_data64(s, tag(OP_RECV, fd, 0));
}

static void submit_send(int fd, int bid) {
    struct io_uring_sqe *s = sqe();
    io_uring_prep_send(s, fd, buffers + (size_t)bid * BUFFER_SIZE + send_off[bid], send_len[bid] - send_off[bid], MSG_NOSIGNAL);
    io_uring_sqe_set_data64(s, tag(OP_SEND, fd, bid));
}

static void recycle(int bid) {
    io_uring_buf_ring_add(buf_ring, buffers + (size_t)bid * BUFFER_SIZE, BUFFER_SIZE, bid, io_uring_buf_ring_mask(BUFFERS), 0);
    io_uring_buf_ring_advance(buf_ring, 1);
}

static void drop_queue(int fd) {
    for (int bid = queue_head[fd]; bid >= 0;) {
        int next = next_bid[bid];
        recycle(bid);
        bid = next;
    }
    queue_head[fd] = queue_tail[fd] = -1;
}

int main(int argc, char **argv) {
    int port = argc > 1 ? atoi(argv[1]) : 9000;
    int listener = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in address = { .sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    if (bind(listener, (struct sockaddr *)&address, sizeof address) < 0 || listen(listener, 1024) < 0) {
        perror("bind/listen");
        return 1;
    }

    struct io_uring_params params = { .flags = IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN | IORING_SETUP_CQSIZE, .cq_entries = 4096 };
    int rc = io_uring_queue_init_params(1024, &ring, &params);
    if (rc == -EINVAL) {
        struct io_uring_params plain = { .flags = IORING_SETUP_CQSIZE, .cq_entries = 4096 };
        rc = io_uring_queue_init_params(1024, &ring, &plain);
    }
    if (rc < 0) {
        fprintf(stderr, "io_uring_queue_init: %s\n", strerror(-rc));
        return 1;
    }

    size_t ring_bytes = BUFFERS * sizeof(struct io_uring_buf);
    buf_ring = mmap(NULL, ring_bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    buffers = mmap(NULL, (size_t)BUFFERS * BUFFER_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    struct io_uring_buf_reg reg = { .ring_addr = (uint64_t)(uintptr_t)buf_ring, .ring_entries = BUFFERS, .bgid = GROUP };
    io_uring_buf_ring_init(buf_ring);
    if ((rc = io_uring_register_buf_ring(&ring, &reg, 0)) < 0) {
        fprintf(stderr, "io_uring_register_buf_ring: %s\n", strerror(-rc));
        return 1;
    }
    for (int bid = 0; bid < BUFFERS; bid++) {
        io_uring_buf_ring_add(buf_ring, buffers + (size_t)bid * BUFFER_SIZE, BUFFER_SIZE, bid, io_uring_buf_ring_mask(BUFFERS), bid);
    }
    io_uring_buf_ring_advance(buf_ring, BUFFERS);
    memset(queue_head, -1, sizeof queue_head);
    memset(queue_tail, -1, sizeof queue_tail);

    arm_accept(listener);
    printf("listening on 127.0.0.1:%d\n", port);
    fflush(stdout);

    for (;;) {
        rc = io_uring_submit_and_wait(&ring, 1);
        if (rc < 0 && rc != -EINTR && rc != -EAGAIN && rc != -EBUSY) {
            fprintf(stderr, "io_uring_submit_and_wait: %s\n", strerror(-rc));
            return 1;
        }
        struct io_uring_cqe *cqe;
        unsigned head, seen = 0;
        io_uring_for_each_cqe(&ring, head, cqe) {
            seen++;
            uint64_t data = io_uring_cqe_get_data64(cqe);
            int op = (int)(data >> 48), fd = (int)(uint32_t)(data >> 16), bid = (int)(uint16_t)data;
            int res = cqe->res;
            int more = cqe->flags & IORING_CQE_F_MORE;
            if (op == OP_ACCEPT) {
                if (res >= 0 && res < MAX_FDS) {
                    setsockopt(res, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
                    arm_recv(res);
                } else if (res >= 0) {
                    close(res);
                }
                if (!more) {
                    arm_accept(listener);
                }
            } else if (op == OP_RECV) {
                if (res > 0 && (cqe->flags & IORING_CQE_F_BUFFER)) {
                    int b = (int)(cqe->flags >> IORING_CQE_BUFFER_SHIFT);
                    send_len[b] = res;
                    send_off[b] = 0;
                    next_bid[b] = -1;
                    if (queue_head[fd] < 0) {
                        queue_head[fd] = queue_tail[fd] = b;
                        submit_send(fd, b);
                    } else {
                        next_bid[queue_tail[fd]] = b;
                        queue_tail[fd] = b;
                    }
                    if (!more) {
                        arm_recv(fd);
                    }
                } else if (res == -ENOBUFS) {
                    arm_recv(fd);
                } else if (!more) {
                    // End of stream or an error: close now, or once the queued echoes are out.
                    if (queue_head[fd] < 0) {
                        close(fd);
                    } else {
                        closing[fd] = 1;
                    }
                }
            } else if (op == OP_SEND) {
                if (res > 0 && send_off[bid] + res < send_len[bid]) {
                    send_off[bid] += res;
                    submit_send(fd, bid);
                } else if (res < 0) {
                    drop_queue(fd);
                    closing[fd] = 0;
                    close(fd);
                } else {
                    int next = next_bid[bid];
                    recycle(bid);
                    queue_head[fd] = next;
                    if (next < 0) {
                        queue_tail[fd] = -1;
                        if (closing[fd]) {
                            closing[fd] = 0;
                            close(fd);
                        }
                    } else {
                        submit_send(fd, next);
                    }
                }
            }
        }
        io_uring_cq_advance(&ring, seen);
    }
}
