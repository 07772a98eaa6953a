/* common/hash.h — content hashes (SHA-256/512 through OpenSSL's EVP) and a
 * small non-cryptographic hash for deterministic derivations (MAC, IP).
 *
 * struct hash is opaque; hash_new() returns it, hash_free() releases it.
 */
#ifndef HERD_HASH_H
#define HERD_HASH_H

#include <stddef.h>
#include <stdint.h>

enum hash_algo { HASH_SHA256, HASH_SHA512 };

struct hash;

struct hash *hash_new(enum hash_algo algo);
void hash_update(struct hash *h, const void *p, size_t n);
/* Write the lower-case hex digest (64 or 128 chars + NUL) into hex, which
 * must hold HASH_HEX_MAX bytes.  The hash may not be updated afterwards. */
void hash_final_hex(struct hash *h, char *hex);
void hash_free(struct hash *h);

#define HASH_HEX_MAX 129

/* One-shot SHA-256 of a buffer as hex into hex[HASH_HEX_MAX]. */
void hash_sha256_hex(const void *p, size_t n, char *hex);

/* FNV-1a, 64 bit: deterministic, not for security.  Hand-written because it
 * is four lines and no installed library exposes it. */
uint64_t hash_fnv1a(const void *p, size_t n, uint64_t seed);
#define HASH_FNV_SEED 0xcbf29ce484222325ULL

#endif
