/* tinydtls normally generates this header with configure; its CCM only needs a suite enabled. */
#ifndef FW_DTLS_CONFIG_H
#define FW_DTLS_CONFIG_H
#define DTLS_PSK 1
#endif
