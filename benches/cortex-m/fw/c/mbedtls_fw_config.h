/* Mbed TLS 2.28 configuration for the firmware: only what AES-CCM and AES-GCM need.
 * Tables in flash (MBEDTLS_AES_ROM_TABLES), as a microcontroller build would have them;
 * heap through the firmware's counting allocator (fw_calloc/fw_free in src/peers.rs). */
#ifndef MBEDTLS_FW_CONFIG_H
#define MBEDTLS_FW_CONFIG_H

#define MBEDTLS_AES_C
#define MBEDTLS_AES_ROM_TABLES
#define MBEDTLS_CCM_C
#define MBEDTLS_GCM_C
#define MBEDTLS_CIPHER_C

#define MBEDTLS_PLATFORM_C
#define MBEDTLS_PLATFORM_MEMORY
#define MBEDTLS_PLATFORM_CALLOC_MACRO fw_calloc
#define MBEDTLS_PLATFORM_FREE_MACRO fw_free
#include <stddef.h>
void *fw_calloc(size_t n, size_t size);
void fw_free(void *ptr);

#include "mbedtls/check_config.h"
#endif
