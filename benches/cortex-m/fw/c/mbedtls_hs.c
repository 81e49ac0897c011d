/* An Mbed TLS 2.28 DTLS 1.2 handshake, PSK-AES128-CCM8 with cookies and extended master
 * secret, between a client and a server in this image, over in-memory datagram queues: the
 * C peer beside our engine's handshake figures. The firmware (src/peers.rs) counts the
 * instructions of each side's calls separately: mbhs_setup(side) and each mbhs_step(side).
 * The link is lossless, so the DTLS timers never fire (the callbacks report "not expired").
 * The random generator is a fixed-seed xorshift: a benchmark, never a real deployment. */
#include <string.h>
#include "mbedtls/ssl.h"
#include "mbedtls/ssl_cookie.h"

#define QUEUE_LEN 8
#define DATAGRAM_MAX 1500

struct queue {
    unsigned char data[QUEUE_LEN][DATAGRAM_MAX];
    size_t len[QUEUE_LEN];
    int head, count;
};

struct side {
    mbedtls_ssl_context ssl;
    mbedtls_ssl_config conf;
    struct queue *in, *out;
    uint32_t rng;
    int timer_set;
    int done;
};

static struct queue to_server, to_client;
static struct side sides[2];
static mbedtls_ssl_cookie_ctx cookies;
static size_t wire_bytes;

static const unsigned char PSK[16] = {0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08,
                                      0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10};
static const unsigned char IDENTITY[] = "device-17";
static const unsigned char CLIENT_ID[] = {127, 0, 0, 1, 0x30, 0x39};
static const int SUITES[] = {MBEDTLS_TLS_PSK_WITH_AES_128_CCM_8, 0};

static int xorshift(void *p, unsigned char *out, size_t len) {
    uint32_t *s = p;
    for (size_t i = 0; i < len; i++) {
        *s ^= *s << 13;
        *s ^= *s >> 17;
        *s ^= *s << 5;
        out[i] = (unsigned char)*s;
    }
    return 0;
}

static int bio_send(void *p, const unsigned char *buf, size_t len) {
    struct side *s = p;
    struct queue *q = s->out;
    if (q->count == QUEUE_LEN || len > DATAGRAM_MAX) return MBEDTLS_ERR_SSL_WANT_WRITE;
    int slot = (q->head + q->count) % QUEUE_LEN;
    memcpy(q->data[slot], buf, len);
    q->len[slot] = len;
    q->count++;
    wire_bytes += len;
    return (int)len;
}

static int bio_recv(void *p, unsigned char *buf, size_t len) {
    struct side *s = p;
    struct queue *q = s->in;
    if (q->count == 0) return MBEDTLS_ERR_SSL_WANT_READ;
    size_t n = q->len[q->head];
    if (n > len) n = len; /* a datagram larger than the buffer is truncated, as UDP would */
    memcpy(buf, q->data[q->head], n);
    q->head = (q->head + 1) % QUEUE_LEN;
    q->count--;
    return (int)n;
}

static void timer_set(void *p, uint32_t intermediate, uint32_t final) {
    (void)intermediate;
    ((struct side *)p)->timer_set = final != 0;
}

static int timer_get(void *p) {
    return ((struct side *)p)->timer_set ? 0 : -1;
}

/* side 0: client, 1: server. Returns 0 or an Mbed TLS error code. */
int mbhs_setup(int side) {
    struct side *s = &sides[side];
    int server = side == 1;
    int r;
    memset(s, 0, sizeof *s);
    s->rng = server ? 0x9e3779b9u : 0x7f4a7c15u;
    s->in = server ? &to_server : &to_client;
    s->out = server ? &to_client : &to_server;
    if (side == 0) {
        memset(&to_server, 0, sizeof to_server);
        memset(&to_client, 0, sizeof to_client);
        wire_bytes = 0;
    }
    mbedtls_ssl_init(&s->ssl);
    mbedtls_ssl_config_init(&s->conf);
    r = mbedtls_ssl_config_defaults(&s->conf, server ? MBEDTLS_SSL_IS_SERVER : MBEDTLS_SSL_IS_CLIENT,
                                    MBEDTLS_SSL_TRANSPORT_DATAGRAM, MBEDTLS_SSL_PRESET_DEFAULT);
    if (r) return r;
    mbedtls_ssl_conf_rng(&s->conf, xorshift, &s->rng);
    mbedtls_ssl_conf_ciphersuites(&s->conf, SUITES);
    mbedtls_ssl_conf_extended_master_secret(&s->conf, MBEDTLS_SSL_EXTENDED_MS_ENABLED);
    r = mbedtls_ssl_conf_psk(&s->conf, PSK, sizeof PSK, IDENTITY, sizeof IDENTITY - 1);
    if (r) return r;
    if (server) {
        r = mbedtls_ssl_cookie_setup(&cookies, xorshift, &s->rng);
        if (r) return r;
        mbedtls_ssl_conf_dtls_cookies(&s->conf, mbedtls_ssl_cookie_write, mbedtls_ssl_cookie_check,
                                      &cookies);
    }
    r = mbedtls_ssl_setup(&s->ssl, &s->conf);
    if (r) return r;
    mbedtls_ssl_set_bio(&s->ssl, s, bio_send, bio_recv, NULL);
    mbedtls_ssl_set_timer_cb(&s->ssl, s, timer_set, timer_get);
    if (server) {
        r = mbedtls_ssl_set_client_transport_id(&s->ssl, CLIENT_ID, sizeof CLIENT_ID);
        if (r) return r;
    }
    return 0;
}

/* Runs one side until it waits for the peer. Returns 1 when its handshake is over, 0 when it
 * waits for a datagram, or an Mbed TLS error code. */
int mbhs_step(int side) {
    struct side *s = &sides[side];
    if (s->done) return 1;
    for (;;) {
        int r = mbedtls_ssl_handshake(&s->ssl);
        if (r == 0) {
            s->done = 1;
            return 1;
        }
        if (r == MBEDTLS_ERR_SSL_WANT_READ || r == MBEDTLS_ERR_SSL_WANT_WRITE) return 0;
        if (r == MBEDTLS_ERR_SSL_HELLO_VERIFY_REQUIRED && side == 1) {
            /* The HelloVerifyRequest went out; the server starts over for the cookie's hello,
             * as Mbed TLS's DTLS server example does. */
            r = mbedtls_ssl_session_reset(&s->ssl);
            if (r) return r;
            r = mbedtls_ssl_set_client_transport_id(&s->ssl, CLIENT_ID, sizeof CLIENT_ID);
            if (r) return r;
            continue;
        }
        return r;
    }
}

const char *mbhs_suite(int side) {
    return mbedtls_ssl_get_ciphersuite(&sides[side].ssl);
}

size_t mbhs_wire_bytes(void) {
    return wire_bytes;
}

void mbhs_free(int side) {
    mbedtls_ssl_free(&sides[side].ssl);
    mbedtls_ssl_config_free(&sides[side].conf);
    if (side == 1) mbedtls_ssl_cookie_free(&cookies);
}
