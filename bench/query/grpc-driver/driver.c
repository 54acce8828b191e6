// bench-grpc: drives a server's gRPC Search with pre-encoded requests and reports QPS and latency.
//
// What wrk is to the HTTP run: a small C load generator (HTTP/2 framing by libnghttp2, one blocking socket
// and one thread per client), so the driver takes little of the CPU it shares with the server. The
// requests are serialised by bench/query/grpc_messages.py with the official client's own protobuf
// classes; this driver sends and receives raw message bytes.
//
// Usage: bench-grpc --port P --requests FILE [--clients 2] [--duration 20] [--replies FILE]
//   FILE: messages, each a 4-byte little-endian length and the bytes of one weaviate.v1.SearchRequest.
//   --replies: first sends every request once, in order, and writes the replies in the same framing
//              (the Python side decodes them to check recall).
// Prints one JSON object: requests, seconds, qps, p50_ms, p99_ms, clients.
// Build: cc -O2 -o bench-grpc driver.c -lnghttp2 -lpthread   (Debian: libnghttp2-dev)
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <nghttp2/nghttp2.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

typedef struct { uint8_t *bytes; size_t len; } message;

static int port;
static message *requests;
static size_t request_count;

static void fail(const char *what) {
    fprintf(stderr, "bench-grpc: %s%s%s\n", what, errno ? ": " : "", errno ? strerror(errno) : "");
    exit(2);
}

static double now_seconds(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static void read_framed(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f) fail("cannot read the requests file");
    size_t cap = 64;
    requests = malloc(cap * sizeof *requests);
    uint8_t head[4];
    while (fread(head, 1, 4, f) == 4) {
        size_t n = (size_t)head[0] | (size_t)head[1] << 8 | (size_t)head[2] << 16 | (size_t)head[3] << 24;
        if (request_count == cap) requests = realloc(requests, (cap *= 2) * sizeof *requests);
        // Each request is stored with gRPC's 5-byte message prefix (uncompressed flag, big-endian length).
        uint8_t *m = malloc(n + 5);
        m[0] = 0; m[1] = (uint8_t)(n >> 24); m[2] = (uint8_t)(n >> 16); m[3] = (uint8_t)(n >> 8); m[4] = (uint8_t)n;
        if (fread(m + 5, 1, n, f) != n) fail("truncated message in the requests file");
        requests[request_count++] = (message){m, n + 5};
    }
    fclose(f);
    if (request_count == 0) fail("no messages in the requests file");
}

/// One client: one connection, one call at a time (closed loop, as each wrk connection).
typedef struct {
    int fd;
    nghttp2_session *session;
    const message *body;   // the request being sent
    size_t sent;
    uint8_t *reply;        // DATA of the current call (gRPC-framed)
    size_t reply_len, reply_cap;
    int done, grpc_status;
} client;

static ssize_t send_cb(nghttp2_session *s, const uint8_t *data, size_t len, int flags, void *user) {
    (void)s; (void)flags;
    client *c = user;
    size_t off = 0;
    while (off < len) {
        ssize_t n = write(c->fd, data + off, len - off);
        if (n < 0) { if (errno == EINTR) continue; return NGHTTP2_ERR_CALLBACK_FAILURE; }
        off += (size_t)n;
    }
    return (ssize_t)len;
}

static int data_cb(nghttp2_session *s, uint8_t flags, int32_t stream, const uint8_t *data, size_t len, void *user) {
    (void)s; (void)flags; (void)stream;
    client *c = user;
    if (c->reply_len + len > c->reply_cap) {
        c->reply_cap = (c->reply_len + len) * 2;
        c->reply = realloc(c->reply, c->reply_cap);
    }
    memcpy(c->reply + c->reply_len, data, len);
    c->reply_len += len;
    return 0;
}

static int header_cb(nghttp2_session *s, const nghttp2_frame *frame, const uint8_t *name, size_t namelen,
                     const uint8_t *value, size_t valuelen, uint8_t flags, void *user) {
    (void)s; (void)frame; (void)flags; (void)valuelen;
    client *c = user;
    if (namelen == 11 && memcmp(name, "grpc-status", 11) == 0) c->grpc_status = atoi((const char *)value);
    return 0;
}

static int close_cb(nghttp2_session *s, int32_t stream, uint32_t error, void *user) {
    (void)s; (void)stream;
    client *c = user;
    if (error) c->grpc_status = -1;
    c->done = 1;
    return 0;
}

static ssize_t body_cb(nghttp2_session *s, int32_t stream, uint8_t *buf, size_t len, uint32_t *flags,
                             nghttp2_data_source *source, void *user) {
    (void)s; (void)stream; (void)source;
    client *c = user;
    size_t n = c->body->len - c->sent;
    if (n > len) n = len;
    memcpy(buf, c->body->bytes + c->sent, n);
    c->sent += n;
    if (c->sent == c->body->len) *flags |= NGHTTP2_DATA_FLAG_EOF;
    return (ssize_t)n;
}

static void connect_client(client *c) {
    memset(c, 0, sizeof *c);
    c->fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(c->fd, (struct sockaddr *)&a, sizeof a) != 0) fail("cannot connect");
    int one = 1;
    setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    nghttp2_session_callbacks *cb;
    nghttp2_session_callbacks_new(&cb);
    nghttp2_session_callbacks_set_send_callback(cb, send_cb);
    nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cb, data_cb);
    nghttp2_session_callbacks_set_on_header_callback(cb, header_cb);
    nghttp2_session_callbacks_set_on_stream_close_callback(cb, close_cb);
    nghttp2_session_client_new(&c->session, cb, c);
    nghttp2_session_callbacks_del(cb);
    nghttp2_submit_settings(c->session, NGHTTP2_FLAG_NONE, NULL, 0);
}

#define HEADER(n, v) {(uint8_t *)(n), (uint8_t *)(v), sizeof(n) - 1, sizeof(v) - 1, NGHTTP2_NV_FLAG_NONE}

/// One unary call; returns the reply's message bytes (without the gRPC prefix) in c->reply + 5.
static void call(client *c, const message *m) {
    static char authority[32];
    if (!authority[0]) snprintf(authority, sizeof authority, "127.0.0.1:%d", port);
    nghttp2_nv headers[] = {
        HEADER(":method", "POST"), HEADER(":scheme", "http"), HEADER(":path", "/weaviate.v1.Weaviate/Search"),
        {(uint8_t *)":authority", (uint8_t *)authority, 10, strlen(authority), NGHTTP2_NV_FLAG_NONE},
        HEADER("content-type", "application/grpc"), HEADER("te", "trailers"),
    };
    c->body = m; c->sent = 0; c->reply_len = 0; c->done = 0; c->grpc_status = -2;
    nghttp2_data_provider provider = {.read_callback = body_cb};
    if (nghttp2_submit_request(c->session, NULL, headers, sizeof headers / sizeof *headers, &provider, c) < 0)
        fail("cannot submit a request");
    uint8_t buf[65536];
    while (!c->done) {
        if (nghttp2_session_send(c->session) != 0) fail("cannot send");
        if (c->done) break;
        ssize_t n = read(c->fd, buf, sizeof buf);
        if (n <= 0) { if (n < 0 && errno == EINTR) continue; fail("the server closed the connection"); }
        if (nghttp2_session_mem_recv(c->session, buf, (size_t)n) < 0) fail("bad HTTP/2 from the server");
    }
    nghttp2_session_send(c->session);  // WINDOW_UPDATEs for what was read
    if (c->grpc_status != 0 || c->reply_len < 5) {
        fprintf(stderr, "bench-grpc: call failed (grpc-status %d)\n", c->grpc_status);
        exit(1);
    }
}

typedef struct { int index, clients; double end; double *latencies; size_t count, cap; } worker;

static void *run_worker(void *arg) {
    worker *w = arg;
    client c;
    connect_client(&c);
    for (size_t k = (size_t)w->index; now_seconds() < w->end; k += (size_t)w->clients) {
        double t = now_seconds();
        call(&c, &requests[k % request_count]);
        if (w->count == w->cap) w->latencies = realloc(w->latencies, (w->cap = w->cap ? w->cap * 2 : 4096) * sizeof(double));
        w->latencies[w->count++] = (now_seconds() - t) * 1e3;
    }
    nghttp2_session_del(c.session);
    close(c.fd);
    return NULL;
}

static int by_value(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv) {
    const char *requests_path = NULL, *replies_path = NULL;
    int clients = 2;
    double duration = 20;
    for (int i = 1; i < argc; i++) {
        if (i + 1 >= argc) { errno = 0; fail("missing value for the last argument"); }
        if (!strcmp(argv[i], "--port")) port = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--requests")) requests_path = argv[++i];
        else if (!strcmp(argv[i], "--clients")) clients = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--duration")) duration = atof(argv[++i]);
        else if (!strcmp(argv[i], "--replies")) replies_path = argv[++i];
        else { errno = 0; fail("unknown argument"); }
    }
    errno = 0;
    if (port <= 0 || !requests_path || clients <= 0 || duration <= 0)
        fail("usage: bench-grpc --port P --requests FILE [--clients 2] [--duration 20] [--replies FILE]");
    read_framed(requests_path);

    if (replies_path) {
        FILE *out = fopen(replies_path, "wb");
        if (!out) fail("cannot write the replies file");
        client c;
        connect_client(&c);
        for (size_t k = 0; k < request_count; k++) {
            call(&c, &requests[k]);
            uint32_t n = (uint32_t)(c.reply_len - 5);
            uint8_t head[4] = {(uint8_t)n, (uint8_t)(n >> 8), (uint8_t)(n >> 16), (uint8_t)(n >> 24)};
            fwrite(head, 1, 4, out);
            fwrite(c.reply + 5, 1, n, out);
        }
        fclose(out);
        nghttp2_session_del(c.session);
        close(c.fd);
    }

    worker *workers = calloc((size_t)clients, sizeof *workers);
    pthread_t *threads = calloc((size_t)clients, sizeof *threads);
    double start = now_seconds();
    for (int i = 0; i < clients; i++) {
        workers[i] = (worker){.index = i, .clients = clients, .end = start + duration};
        pthread_create(&threads[i], NULL, run_worker, &workers[i]);
    }
    size_t total = 0;
    for (int i = 0; i < clients; i++) { pthread_join(threads[i], NULL); total += workers[i].count; }
    double elapsed = now_seconds() - start;
    double *all = malloc((total ? total : 1) * sizeof *all);
    size_t at = 0;
    for (int i = 0; i < clients; i++) {
        memcpy(all + at, workers[i].latencies, workers[i].count * sizeof *all);
        at += workers[i].count;
    }
    qsort(all, total, sizeof *all, by_value);
    #define PERCENTILE(p) (total ? all[(size_t)((double)total * (p)) < total ? (size_t)((double)total * (p)) : total - 1] : 0)
    printf("{\"requests\": %zu, \"seconds\": %f, \"qps\": %f, \"p50_ms\": %f, \"p99_ms\": %f, \"clients\": %d}\n",
           total, elapsed, (double)total / elapsed, PERCENTILE(0.50), PERCENTILE(0.99), clients);
    return 0;
}
