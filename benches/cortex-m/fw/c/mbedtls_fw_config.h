/* Mbed TLS 2.28 configuration for the firmware: AES-CCM and AES-GCM for the record figures,
 * and a DTLS 1.2 PSK-AES128-CCM8 client and server (cookies, extended master secret) for the
 * handshake figures (c/mbedtls_hs.c). Tables in flash (MBEDTLS_AES_ROM_TABLES), as a
 * microcontroller build would have them; heap through the firmware's counting allocator
 * (fw_calloc/fw_free in src/peers.rs). The SSL modules do not change the AES/CCM/GCM code. */
#ifndef MBEDTLS_FW_CONFIG_H
#define MBEDTLS_FW_CONFIG_H

#define MBEDTLS_AES_C
#define MBEDTLS_AES_ROM_TABLES
#define MBEDTLS_CCM_C
#define MBEDTLS_GCM_C
#define MBEDTLS_CIPHER_C

#define MBEDTLS_MD_C
#define MBEDTLS_SHA256_C
#define MBEDTLS_SSL_TLS_C
#define MBEDTLS_SSL_CLI_C
#define MBEDTLS_SSL_SRV_C
#define MBEDTLS_SSL_PROTO_TLS1_2
#define MBEDTLS_SSL_PROTO_DTLS
#define MBEDTLS_SSL_DTLS_HELLO_VERIFY
#define MBEDTLS_SSL_DTLS_ANTI_REPLAY
#define MBEDTLS_SSL_COOKIE_C
#define MBEDTLS_SSL_EXTENDED_MASTER_SECRET
#define MBEDTLS_KEY_EXCHANGE_PSK_ENABLED
#define MBEDTLS_SSL_CIPHERSUITES MBEDTLS_TLS_PSK_WITH_AES_128_CCM_8
/* Record buffers sized for a constrained device, not the 16 KiB default. */
#define MBEDTLS_SSL_MAX_CONTENT_LEN 1024

#define MBEDTLS_PLATFORM_C
#define MBEDTLS_PLATFORM_MEMORY
#define MBEDTLS_PLATFORM_CALLOC_MACRO fw_calloc
#define MBEDTLS_PLATFORM_FREE_MACRO fw_free
#include <stddef.h>
void *fw_calloc(size_t n, size_t size);
void fw_free(void *ptr);

#include "mbedtls/check_config.h"
#endif
