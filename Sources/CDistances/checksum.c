// A four-lane multiply-rotate checksum over 8-byte words (same structure as the well-known xxHash64
// round), fast enough (~10 GB/s) to verify a 250 MB snapshot at load without noticeable delay.
#include "include/CDistances.h"
#include <string.h>

static const uint64_t P1 = 0x9E3779B185EBCA87ULL, P2 = 0xC2B2AE3D27D4EB4FULL, P3 = 0x165667B19E3779F9ULL;

static inline uint64_t rotl(uint64_t x, int r) { return (x << r) | (x >> (64 - r)); }
static inline uint64_t round64(uint64_t acc, uint64_t w) { return rotl(acc + w * P2, 31) * P1; }
static inline uint64_t read64(const unsigned char *p) { uint64_t v; memcpy(&v, p, 8); return v; }

uint64_t cd_checksum64(const void *data, size_t bytes, uint64_t seed) {
    const unsigned char *p = (const unsigned char *)data;
    uint64_t v1 = seed + P1 + P2, v2 = seed + P2, v3 = seed, v4 = seed - P1;
    size_t i = 0;
    for (; i + 32 <= bytes; i += 32) {
        v1 = round64(v1, read64(p + i));
        v2 = round64(v2, read64(p + i + 8));
        v3 = round64(v3, read64(p + i + 16));
        v4 = round64(v4, read64(p + i + 24));
    }
    uint64_t h = rotl(v1, 1) + rotl(v2, 7) + rotl(v3, 12) + rotl(v4, 18) + (uint64_t)bytes;
    for (; i + 8 <= bytes; i += 8) h = rotl(h ^ round64(0, read64(p + i)), 27) * P1 + P3;
    for (; i < bytes; i++) h = rotl(h ^ (p[i] * P3), 11) * P1;
    h ^= h >> 33; h *= P2; h ^= h >> 29; h *= P3; h ^= h >> 32;
    return h;
}
