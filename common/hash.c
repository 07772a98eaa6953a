#include "hash.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>

#include "mem.h"

struct hash {
	EVP_MD_CTX *ctx;
};

struct hash *hash_new(enum hash_algo algo)
{
	struct hash *h = xmalloc(sizeof *h);

	h->ctx = EVP_MD_CTX_new();
	if (h->ctx == NULL ||
	    EVP_DigestInit_ex(h->ctx, algo == HASH_SHA512 ? EVP_sha512()
							  : EVP_sha256(),
			      NULL) != 1) {
		fputs("herd: cannot initialise the digest\n", stderr);
		abort();
	}
	return h;
}

void hash_update(struct hash *h, const void *p, size_t n)
{
	EVP_DigestUpdate(h->ctx, p, n);
}

void hash_final_hex(struct hash *h, char *hex)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0, i;

	EVP_DigestFinal_ex(h->ctx, md, &n);
	for (i = 0; i < n; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	hex[2 * n] = '\0';
}

void hash_free(struct hash *h)
{
	if (h == NULL)
		return;
	EVP_MD_CTX_free(h->ctx);
	free(h);
}

void hash_sha256_hex(const void *p, size_t n, char *hex)
{
	struct hash *h = hash_new(HASH_SHA256);

	hash_update(h, p, n);
	hash_final_hex(h, hex);
	hash_free(h);
}

uint64_t hash_fnv1a(const void *p, size_t n, uint64_t seed)
{
	const unsigned char *b = p;
	uint64_t h = seed;

	while (n--) {
		h ^= *b++;
		h *= 0x100000001b3ULL;
	}
	return h;
}
