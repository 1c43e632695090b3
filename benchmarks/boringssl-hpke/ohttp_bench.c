// BoringSSL's side of the OHTTP per-request cost comparison (issue 19): the same two operations
// benchmarks/src/main/java/dev/cloister/benchmarks/wire/OhttpBenchmark.java times for Cloister, done with BoringSSL's
// EVP_HPKE, HKDF and EVP_AEAD the RFC 9458 way, on one thread:
//   gateway: decapsulate a 1 KiB request (SetupBaseR + Open + Export) and encapsulate a 1 KiB response
//            (response_nonce, Extract/Expand of the response key and nonce, Seal);
//   client:  encapsulate a 1 KiB request (SetupBaseS with a fresh ephemeral key + Seal + Export).
// Suite: DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, AES-128-GCM. Before timing, both paths are checked against RFC 9458
// Appendix A (testdata/vectors/ohttp-rfc9458/rfc9458-appendix-a.json).
//
// Build and run: benchmarks/boringssl-hpke/run.sh (Debian's android-libboringssl-dev).
#include <openssl/aead.h>
#include <openssl/hkdf.h>
#include <openssl/hpke.h>
#include <openssl/rand.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define BODY 1024
#define REQUESTS 4096

static const char REQUEST_LABEL[] = "message/bhttp request";
static const char RESPONSE_LABEL[] = "message/bhttp response";

static void die(const char *what) {
  fprintf(stderr, "ohttp_bench: %s\n", what);
  exit(1);
}

static size_t unhex(const char *hex, uint8_t *out) {
  size_t n = strlen(hex) / 2;
  for (size_t i = 0; i < n; i++) {
    unsigned v;
    if (sscanf(hex + 2 * i, "%2x", &v) != 1) die("bad hex");
    out[i] = (uint8_t)v;
  }
  return n;
}

// hdr = key_id(1) kem_id(2) kdf_id(2) aead_id(2); info = "message/bhttp request" 0x00 hdr (RFC 9458 §4.3).
static size_t header(uint8_t key_id, uint8_t *hdr) {
  const uint8_t h[7] = {key_id, 0x00, 0x20, 0x00, 0x01, 0x00, 0x01};
  memcpy(hdr, h, 7);
  return 7;
}

static size_t info(const uint8_t *hdr, uint8_t *out) {
  size_t n = strlen(REQUEST_LABEL);
  memcpy(out, REQUEST_LABEL, n);
  out[n] = 0;
  memcpy(out + n + 1, hdr, 7);
  return n + 8;
}

// The gateway: decapsulate `req` and encapsulate `response` with `response_nonce` (16 bytes: max(Nn, Nk)), RFC 9458
// §4.4. Writes the request plaintext to `plain` and the encapsulated response to `out`; returns its length, 0 on error.
static size_t gateway(const EVP_HPKE_KEY *key, const uint8_t *req, size_t req_len, uint8_t *plain, size_t *plain_len,
                      const uint8_t *response, size_t response_len, const uint8_t *response_nonce, uint8_t *out) {
  if (req_len < 7 + 32) return 0;
  uint8_t inf[64];
  size_t inf_len = info(req, inf);  // hdr is the first 7 bytes (checked by the caller's choice of key)
  EVP_HPKE_CTX ctx;
  EVP_HPKE_CTX_zero(&ctx);
  size_t ok = 0;
  uint8_t secret[16], salt[32 + 16], prk[EVP_MAX_MD_SIZE], aead_key[16], aead_nonce[12];
  size_t prk_len;
  if (!EVP_HPKE_CTX_setup_recipient(&ctx, key, EVP_hpke_hkdf_sha256(), EVP_hpke_aes_128_gcm(), req + 7, 32, inf,
                                    inf_len) ||
      !EVP_HPKE_CTX_open(&ctx, plain, plain_len, req_len, req + 39, req_len - 39, NULL, 0) ||
      !EVP_HPKE_CTX_export(&ctx, secret, sizeof secret, (const uint8_t *)RESPONSE_LABEL, strlen(RESPONSE_LABEL)))
    goto done;
  memcpy(salt, req + 7, 32);
  memcpy(salt + 32, response_nonce, 16);
  if (!HKDF_extract(prk, &prk_len, EVP_sha256(), secret, sizeof secret, salt, sizeof salt) ||
      !HKDF_expand(aead_key, sizeof aead_key, EVP_sha256(), prk, prk_len, (const uint8_t *)"key", 3) ||
      !HKDF_expand(aead_nonce, sizeof aead_nonce, EVP_sha256(), prk, prk_len, (const uint8_t *)"nonce", 5))
    goto done;
  EVP_AEAD_CTX aead;
  if (!EVP_AEAD_CTX_init(&aead, EVP_aead_aes_128_gcm(), aead_key, sizeof aead_key, 16, NULL)) goto done;
  memcpy(out, response_nonce, 16);
  size_t ct_len;
  int sealed = EVP_AEAD_CTX_seal(&aead, out + 16, &ct_len, response_len + 16, aead_nonce, sizeof aead_nonce, response,
                                 response_len, NULL, 0);
  EVP_AEAD_CTX_cleanup(&aead);
  if (sealed) ok = 16 + ct_len;
done:
  EVP_HPKE_CTX_cleanup(&ctx);
  return ok;
}

// The client: encapsulate `body` to `public_key`; `seed` (32 bytes) fixes the ephemeral key for the vector check, NULL
// draws a fresh one. Writes the exported response secret to `secret`. Returns the request length, 0 on error.
static size_t client(const uint8_t *public_key, const uint8_t *body, size_t body_len, const uint8_t *seed,
                     uint8_t *out, uint8_t *secret) {
  uint8_t hdr[7], inf[64];
  header(1, hdr);
  size_t inf_len = info(hdr, inf);
  EVP_HPKE_CTX ctx;
  EVP_HPKE_CTX_zero(&ctx);
  size_t enc_len, ct_len, ok = 0;
  memcpy(out, hdr, 7);
  int setup = seed == NULL
                  ? EVP_HPKE_CTX_setup_sender(&ctx, out + 7, &enc_len, 32, EVP_hpke_x25519_hkdf_sha256(),
                                              EVP_hpke_hkdf_sha256(), EVP_hpke_aes_128_gcm(), public_key, 32, inf,
                                              inf_len)
                  : EVP_HPKE_CTX_setup_sender_with_seed_for_testing(
                        &ctx, out + 7, &enc_len, 32, EVP_hpke_x25519_hkdf_sha256(), EVP_hpke_hkdf_sha256(),
                        EVP_hpke_aes_128_gcm(), public_key, 32, inf, inf_len, seed, 32);
  if (setup && EVP_HPKE_CTX_seal(&ctx, out + 39, &ct_len, body_len + 16, body, body_len, NULL, 0) &&
      EVP_HPKE_CTX_export(&ctx, secret, 16, (const uint8_t *)RESPONSE_LABEL, strlen(RESPONSE_LABEL)))
    ok = 39 + ct_len;
  EVP_HPKE_CTX_cleanup(&ctx);
  return ok;
}

static void check(int ok, const char *what) {
  if (!ok) die(what);
}

// RFC 9458 Appendix A.
static void known_answers(void) {
  uint8_t sk[32], pk[32], seed[32], req[256], want_req[256], bhttp[64], want_res[64], nonce[16], plain[256], out[256],
      secret[16], want_secret[16];
  unhex("3c168975674b2fa8e465970b79c8dcf09f1c741626480bd4c6162fc5b6a98e1a", sk);
  unhex("31e1f05a740102115220e9af918f738674aec95f54db6e04eb705aae8e798155", pk);
  unhex("bc51d5e930bda26589890ac7032f70ad12e4ecb37abb1b65b1256c9c48999c73", seed);
  size_t bhttp_len = unhex("00034745540568747470730b6578616d706c652e636f6d012f", bhttp);
  size_t want_req_len = unhex(
      "010020000100014b28f881333e7c164ffc499ad9796f877f4e1051ee6d31bad19dec96c208b4726374e469135906992e1268c594d2a10c6"
      "95d858c40a026e7965e7d86b83dd440b2c0185204b4d63525",
      want_req);
  unhex("62d87a6ba569ee81014c2641f52bea36", want_secret);
  unhex("c789e7151fcba46158ca84b04464910d", nonce);
  size_t want_res_len = unhex("c789e7151fcba46158ca84b04464910d86f9013e404feea014e7be4a441f234f857fbd", want_res);
  uint8_t response[3];
  size_t response_len = unhex("0140c8", response);

  // BoringSSL takes the seed as the ephemeral private key itself: the vector's client_ephemeral_sk.
  size_t req_len = client(pk, bhttp, bhttp_len, seed, req, secret);
  check(req_len == want_req_len && memcmp(req, want_req, req_len) == 0, "client: encapsulated request differs");
  check(memcmp(secret, want_secret, 16) == 0, "client: exported secret differs");

  EVP_HPKE_KEY key;
  check(EVP_HPKE_KEY_init(&key, EVP_hpke_x25519_hkdf_sha256(), sk, 32), "EVP_HPKE_KEY_init");
  size_t plain_len;
  size_t res_len = gateway(&key, want_req, want_req_len, plain, &plain_len, response, response_len, nonce, out);
  check(plain_len == bhttp_len && memcmp(plain, bhttp, bhttp_len) == 0, "gateway: request plaintext differs");
  check(res_len == want_res_len && memcmp(out, want_res, res_len) == 0, "gateway: encapsulated response differs");
  EVP_HPKE_KEY_cleanup(&key);
}

static double clock_seconds(clockid_t clock) {
  struct timespec t;
  clock_gettime(clock, &t);
  return t.tv_sec + t.tv_nsec * 1e-9;
}

static double now(void) { return clock_seconds(CLOCK_MONOTONIC); }

static double cpu_now(void) { return clock_seconds(CLOCK_THREAD_CPUTIME_ID); }

static int compare(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

int main(int argc, char **argv) {
  int iterations = argc > 1 ? atoi(argv[1]) : 5;
  double seconds = argc > 2 ? atof(argv[2]) : 2.0;
  if (iterations < 1 || iterations > 100 || !(seconds > 0)) die("usage: ohttp_bench [iterations] [seconds each]");
  known_answers();

  EVP_HPKE_KEY key;
  check(EVP_HPKE_KEY_generate(&key, EVP_hpke_x25519_hkdf_sha256()), "EVP_HPKE_KEY_generate");
  uint8_t pk[32];
  size_t pk_len;
  check(EVP_HPKE_KEY_public_key(&key, pk, &pk_len, sizeof pk), "EVP_HPKE_KEY_public_key");
  static uint8_t body[BODY], response[BODY], requests[REQUESTS][39 + BODY + 16];
  RAND_bytes(body, sizeof body);
  RAND_bytes(response, sizeof response);
  uint8_t secret[16];
  // Distinct requests, prepared outside the measurement (as the JMH benchmark does).
  for (int i = 0; i < REQUESTS; i++) check(client(pk, body, BODY, NULL, requests[i], secret) != 0, "client");

  const char *names[2] = {"gatewayDecapsulateAndRespond", "clientEncapsulate"};
  for (int which = 0; which < 2; which++) {
    double rates[100], cpu_rates[100];
    unsigned long sink = 0, next = 0;
    for (int it = -2; it < iterations; it++) {  // two warm-up iterations
      uint8_t plain[BODY + 16], out[39 + BODY + 16], nonce[16];
      size_t plain_len;
      long ops = 0;
      double start = now(), cpu_start = cpu_now(), elapsed;
      do {
        for (int k = 0; k < 64; k++, ops++) {
          if (which == 0) {
            RAND_bytes(nonce, sizeof nonce);
            size_t n = gateway(&key, requests[next++ & (REQUESTS - 1)], 39 + BODY + 16, plain, &plain_len, response,
                               BODY, nonce, out);
            check(n == 16 + BODY + 16, "gateway");
            sink += out[n - 1];
          } else {
            size_t n = client(pk, body, BODY, NULL, out, secret);
            check(n == 39 + BODY + 16, "client");
            sink += out[n - 1];
          }
        }
        elapsed = now() - start;
      } while (elapsed < seconds);
      if (it >= 0) {
        rates[it] = ops / elapsed;
        cpu_rates[it] = ops / (cpu_now() - cpu_start);
      }
    }
    qsort(rates, iterations, sizeof rates[0], compare);
    qsort(cpu_rates, iterations, sizeof cpu_rates[0], compare);
    // Wall clock (what JMH measures) and, for reference on a loaded machine, per CPU-second of this thread.
    printf("boringssl %-30s median %9.0f ops/s  (min %.0f, max %.0f, %d x %.1f s; %.0f per CPU-second)%s\n",
           names[which], rates[iterations / 2], rates[0], rates[iterations - 1], iterations, seconds,
           cpu_rates[iterations / 2], sink == 42 ? " " : "");
  }
  EVP_HPKE_KEY_cleanup(&key);
  return 0;
}
