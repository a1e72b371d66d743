// The only C in Lethe: what OpenSSL exposes as macros, or with borrowed-pointer parameter arrays
// that Swift's temporary string bridging would free before OpenSSL reads them.
#ifndef LETHE_COPENSSL_SHIM_H
#define LETHE_COPENSSL_SHIM_H

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>
#include <openssl/rand.h>
#include <pthread.h>

// OPENSSL_free is a function-like macro.
static inline void lethe_openssl_free(void *p) { OPENSSL_free(p); }

// Initialises an HMAC-SHA256 context with its key; returns 1 on success.
static inline int lethe_hmac_sha256_init(EVP_MAC_CTX *ctx, const unsigned char *key, size_t keylen) {
    OSSL_PARAM params[2];
    params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)"SHA256", 0);
    params[1] = OSSL_PARAM_construct_end();
    return EVP_MAC_init(ctx, key, keylen, params);
}

// HKDF-SHA256 (RFC 5869, extract then expand) into out; returns 1 on success.
static inline int lethe_hkdf_sha256(EVP_KDF *kdf, const unsigned char *ikm, size_t ikmlen,
                                    const unsigned char *salt, size_t saltlen,
                                    const unsigned char *info, size_t infolen,
                                    unsigned char *out, size_t outlen) {
    EVP_KDF_CTX *ctx = EVP_KDF_CTX_new(kdf);
    if (ctx == NULL) return 0;
    OSSL_PARAM params[5];
    size_t n = 0;
    params[n++] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)"SHA256", 0);
    params[n++] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *)ikm, ikmlen);
    params[n++] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, (void *)salt, saltlen);
    params[n++] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, (void *)info, infolen);
    params[n] = OSSL_PARAM_construct_end();
    int ok = EVP_KDF_derive(ctx, out, outlen, params);
    EVP_KDF_CTX_free(ctx);
    return ok;
}

// scrypt (RFC 7914) into out; returns 1 on success.
static inline int lethe_scrypt(EVP_KDF *kdf, const char *pass, size_t passlen,
                               const unsigned char *salt, size_t saltlen,
                               uint64_t n, uint32_t r, uint32_t p, uint64_t maxmem,
                               unsigned char *out, size_t outlen) {
    EVP_KDF_CTX *ctx = EVP_KDF_CTX_new(kdf);
    if (ctx == NULL) return 0;
    OSSL_PARAM params[7];
    params[0] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_PASSWORD, (void *)pass, passlen);
    params[1] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, (void *)salt, saltlen);
    params[2] = OSSL_PARAM_construct_uint64(OSSL_KDF_PARAM_SCRYPT_N, &n);
    params[3] = OSSL_PARAM_construct_uint32(OSSL_KDF_PARAM_SCRYPT_R, &r);
    params[4] = OSSL_PARAM_construct_uint32(OSSL_KDF_PARAM_SCRYPT_P, &p);
    params[5] = OSSL_PARAM_construct_uint64(OSSL_KDF_PARAM_SCRYPT_MAXMEM, &maxmem);
    params[6] = OSSL_PARAM_construct_end();
    int ok = EVP_KDF_derive(ctx, out, outlen, params);
    EVP_KDF_CTX_free(ctx);
    return ok;
}

// The GCM tag through the provider parameters directly: EVP_CIPHER_CTX_ctrl in OpenSSL 3 only
// translates into these calls, at twice the cost on a small field.
static inline int lethe_gcm_get_tag(EVP_CIPHER_CTX *ctx, unsigned char *tag, size_t taglen) {
    OSSL_PARAM params[2];
    params[0] = OSSL_PARAM_construct_octet_string(OSSL_CIPHER_PARAM_AEAD_TAG, tag, taglen);
    params[1] = OSSL_PARAM_construct_end();
    return EVP_CIPHER_CTX_get_params(ctx, params);
}

static inline int lethe_gcm_set_tag(EVP_CIPHER_CTX *ctx, const unsigned char *tag, size_t taglen) {
    OSSL_PARAM params[2];
    params[0] = OSSL_PARAM_construct_octet_string(OSSL_CIPHER_PARAM_AEAD_TAG, (void *)tag, taglen);
    params[1] = OSSL_PARAM_construct_end();
    return EVP_CIPHER_CTX_set_params(ctx, params);
}

#endif
