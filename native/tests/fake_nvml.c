/*
 * A fake libnvidia-ml.so.1 for CPU-only tests (issue 17): the confidential-computing calls of NVML with the struct
 * layouts of NVIDIA's nvml.h (R550+: nvmlConfComputeSystemState_t, nvmlSystemConfComputeSettings_v1_t,
 * nvmlConfComputeSystemCaps_t, nvmlConfComputeMemSizeInfo_t, nvmlConfComputeGpuAttestationReport_t,
 * nvmlConfComputeGpuCertificate_t), answering from a configuration file. It is a test fixture and says so in its
 * name; it is built by native/CMakeLists.txt as fake-nvml/libnvidia-ml.so.1 and never shipped.
 *
 * Configuration: a file of KEY=VALUE lines, read at nvmlInit_v2 from the path given to fake_nvml_configure() or, when
 * that was never called, from the environment variable FAKE_NVML_CONFIG (no file: the defaults below). Keys:
 *   environment (0 unavailable, 1 sim, 2 prod), cc_feature, devtools, multi_gpu, cpu_caps, gpus_caps, ready,
 *   architecture, device_count, protected_kib, unprotected_kib, driver_version, vbios_version, uuid_prefix,
 *   report_file (raw SPDM request || response), cec_report_file, cert_file (PEM: the attestation chain),
 *   report_file.<i>, cert_file.<i>, uuid.<i> (1 <= i < 8: device i's own report, chain and UUID; device 0 and any
 *   device without one use report_file, cert_file and uuid_prefix followed by the index),
 *   rc.<nvml function name>=<nvmlReturn_t> (that function returns this code and writes nothing).
 * Unknown keys make nvmlInit_v2 fail with NVML_ERROR_UNKNOWN (a mistyped test configuration must not pass silently).
 *
 * Test hooks (not NVML): fake_nvml_configure, fake_nvml_sizeof, fake_nvml_offsetof, fake_nvml_set_calls,
 * fake_nvml_last_nonce, fake_nvml_calls (how many NVML calls were made, by name).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stddef.h>
#include <pthread.h>

typedef int nvmlReturn_t;
typedef struct fake_device *nvmlDevice_t;

enum {
  NVML_SUCCESS = 0, NVML_ERROR_UNINITIALIZED = 1, NVML_ERROR_INVALID_ARGUMENT = 2, NVML_ERROR_NOT_SUPPORTED = 3,
  NVML_ERROR_INSUFFICIENT_SIZE = 7, NVML_ERROR_ARGUMENT_VERSION_MISMATCH = 25, NVML_ERROR_UNKNOWN = 999
};

typedef struct { unsigned int environment, ccFeature, devToolsMode; } nvmlConfComputeSystemState_t;
typedef struct { unsigned int version, environment, ccFeature, devToolsMode, multiGpuMode; }
    nvmlSystemConfComputeSettings_v1_t;
#define nvmlSystemConfComputeSettings_v1 ((unsigned int)(sizeof(nvmlSystemConfComputeSettings_v1_t) | (1u << 24)))
typedef struct { unsigned int cpuCaps, gpusCaps; } nvmlConfComputeSystemCaps_t;
typedef struct { unsigned long long protectedMemSizeKib, unprotectedMemSizeKib; } nvmlConfComputeMemSizeInfo_t;
#define NVML_CC_GPU_CEC_NONCE_SIZE 0x20
#define NVML_CC_GPU_ATTESTATION_REPORT_SIZE 0x2000
#define NVML_CC_GPU_CEC_ATTESTATION_REPORT_SIZE 0x1000
#define NVML_GPU_CERT_CHAIN_SIZE 0x1000
#define NVML_GPU_ATTESTATION_CERT_CHAIN_SIZE 0x1400
typedef struct {
  unsigned int isCecAttestationReportPresent, attestationReportSize, cecAttestationReportSize;
  unsigned char nonce[NVML_CC_GPU_CEC_NONCE_SIZE];
  unsigned char attestationReport[NVML_CC_GPU_ATTESTATION_REPORT_SIZE];
  unsigned char cecAttestationReport[NVML_CC_GPU_CEC_ATTESTATION_REPORT_SIZE];
} nvmlConfComputeGpuAttestationReport_t;
typedef struct {
  unsigned int certChainSize, attestationCertChainSize;
  unsigned char certChain[NVML_GPU_CERT_CHAIN_SIZE];
  unsigned char attestationCertChain[NVML_GPU_ATTESTATION_CERT_CHAIN_SIZE];
} nvmlConfComputeGpuCertificate_t;

#define MAX_DEVICES 8
#define MAX_RC 32
struct fake_device { unsigned int index; };

static struct {
  unsigned int environment, cc_feature, devtools, multi_gpu, cpu_caps, gpus_caps, ready, architecture, device_count;
  unsigned long long protected_kib, unprotected_kib;
  char driver_version[80], vbios_version[32], uuid_prefix[40];
  char report_file[1024], cec_report_file[1024], cert_file[1024];
  char device_report_file[MAX_DEVICES][1024], device_cert_file[MAX_DEVICES][1024], device_uuid[MAX_DEVICES][48];
  struct { char name[96]; int rc; } rc[MAX_RC];
  int rc_count;
} config;

static struct fake_device devices[MAX_DEVICES];
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int initialized;
static int configured;
static char config_path[1024];
static unsigned int set_calls;
static unsigned char last_nonce[NVML_CC_GPU_CEC_NONCE_SIZE];
static struct { char name[96]; unsigned int count; } calls[64];
static int call_names;

static void defaults(void) {
  memset(&config, 0, sizeof config);
  config.environment = 2;
  config.cc_feature = 1;
  config.cpu_caps = 3;
  config.gpus_caps = 1;
  config.architecture = 9;
  config.device_count = 1;
  config.protected_kib = 79u * 1024 * 1024;
  config.unprotected_kib = 1024 * 1024;
  strcpy(config.driver_version, "550.90.07");
  strcpy(config.vbios_version, "96.00.5E.00.01");
  strcpy(config.uuid_prefix, "GPU-fa4e0000-0000-0000-0000-00000000000");
}

static int set_string(char *dst, size_t cap, const char *value) {
  if (strlen(value) >= cap) return -1;
  strcpy(dst, value);
  return 0;
}

/* The device index of a "report_file.<i>" or "cert_file.<i>" key: 1 to MAX_DEVICES - 1, or -1. */
static int device_key(const char *suffix) {
  if (suffix[0] < '1' || suffix[0] > '0' + MAX_DEVICES - 1 || suffix[1] != '\0') return -1;
  return suffix[0] - '0';
}

/* Device d's file: its own when configured, otherwise the shared one. */
static const char *device_file(const char own[MAX_DEVICES][1024], const char *shared, unsigned int d) {
  return own[d][0] != '\0' ? own[d] : shared;
}

/* Reads the configuration file; returns 0, or -1 on an unreadable file or an unknown key. */
static int load(const char *path) {
  defaults();
  if (path == NULL || path[0] == '\0') return 0;
  FILE *f = fopen(path, "r");
  if (f == NULL) return -1;
  char line[1400];
  int status = 0;
  while (fgets(line, sizeof line, f) != NULL) {
    line[strcspn(line, "\r\n")] = '\0';
    if (line[0] == '\0' || line[0] == '#') continue;
    char *eq = strchr(line, '=');
    if (eq == NULL) { status = -1; break; }
    *eq = '\0';
    const char *key = line, *value = eq + 1;
    unsigned long long n = strtoull(value, NULL, 0);
    if (strcmp(key, "environment") == 0) config.environment = (unsigned int)n;
    else if (strcmp(key, "cc_feature") == 0) config.cc_feature = (unsigned int)n;
    else if (strcmp(key, "devtools") == 0) config.devtools = (unsigned int)n;
    else if (strcmp(key, "multi_gpu") == 0) config.multi_gpu = (unsigned int)n;
    else if (strcmp(key, "cpu_caps") == 0) config.cpu_caps = (unsigned int)n;
    else if (strcmp(key, "gpus_caps") == 0) config.gpus_caps = (unsigned int)n;
    else if (strcmp(key, "ready") == 0) config.ready = (unsigned int)n;
    else if (strcmp(key, "architecture") == 0) config.architecture = (unsigned int)n;
    else if (strcmp(key, "device_count") == 0) config.device_count = n > MAX_DEVICES ? MAX_DEVICES : (unsigned int)n;
    else if (strcmp(key, "protected_kib") == 0) config.protected_kib = n;
    else if (strcmp(key, "unprotected_kib") == 0) config.unprotected_kib = n;
    else if (strcmp(key, "driver_version") == 0) status = set_string(config.driver_version, sizeof config.driver_version, value);
    else if (strcmp(key, "vbios_version") == 0) status = set_string(config.vbios_version, sizeof config.vbios_version, value);
    else if (strcmp(key, "uuid_prefix") == 0) status = set_string(config.uuid_prefix, sizeof config.uuid_prefix, value);
    else if (strcmp(key, "report_file") == 0) status = set_string(config.report_file, sizeof config.report_file, value);
    else if (strcmp(key, "cec_report_file") == 0) status = set_string(config.cec_report_file, sizeof config.cec_report_file, value);
    else if (strcmp(key, "cert_file") == 0) status = set_string(config.cert_file, sizeof config.cert_file, value);
    else if (strncmp(key, "report_file.", 12) == 0 && device_key(key + 12) > 0)
      status = set_string(config.device_report_file[device_key(key + 12)], sizeof config.device_report_file[0], value);
    else if (strncmp(key, "cert_file.", 10) == 0 && device_key(key + 10) > 0)
      status = set_string(config.device_cert_file[device_key(key + 10)], sizeof config.device_cert_file[0], value);
    else if (strncmp(key, "uuid.", 5) == 0 && device_key(key + 5) > 0)
      status = set_string(config.device_uuid[device_key(key + 5)], sizeof config.device_uuid[0], value);
    else if (strncmp(key, "rc.", 3) == 0 && config.rc_count < MAX_RC && strlen(key + 3) < sizeof config.rc[0].name) {
      strcpy(config.rc[config.rc_count].name, key + 3);
      config.rc[config.rc_count].rc = (int)strtol(value, NULL, 0);
      config.rc_count++;
    } else status = -1;
    if (status != 0) break;
  }
  fclose(f);
  return status;
}

static void count_call(const char *name) {
  for (int i = 0; i < call_names; i++) {
    if (strcmp(calls[i].name, name) == 0) { calls[i].count++; return; }
  }
  if (call_names < 64) {
    strncpy(calls[call_names].name, name, sizeof calls[0].name - 1);
    calls[call_names++].count = 1;
  }
}

/* The configured return code of a function (0 when none), counting the call. */
static int configured_rc(const char *name) {
  count_call(name);
  for (int i = 0; i < config.rc_count; i++) {
    if (strcmp(config.rc[i].name, name) == 0) return config.rc[i].rc;
  }
  return NVML_SUCCESS;
}

#define ENTER(name)                                                      \
  pthread_mutex_lock(&lock);                                             \
  int rc_ = configured_rc(name);                                         \
  if (rc_ == NVML_SUCCESS && !initialized) rc_ = NVML_ERROR_UNINITIALIZED; \
  if (rc_ != NVML_SUCCESS) { pthread_mutex_unlock(&lock); return rc_; }
#define LEAVE(rc) do { pthread_mutex_unlock(&lock); return (rc); } while (0)

static int valid_device(nvmlDevice_t d) {
  return d != NULL && d >= devices && d < devices + MAX_DEVICES && (unsigned int)(d - devices) < config.device_count;
}

/* Reads up to cap bytes of a file; returns its size, or -1 if unreadable or larger than cap. */
static long read_file(const char *path, unsigned char *out, size_t cap) {
  FILE *f = fopen(path, "rb");
  if (f == NULL) return -1;
  size_t n = fread(out, 1, cap, f);
  int more = fgetc(f) != EOF;
  fclose(f);
  return more ? -1 : (long)n;
}

/* ---- test hooks ---- */

int fake_nvml_configure(const char *path) {
  pthread_mutex_lock(&lock);
  if (path == NULL) path = "";
  if (strlen(path) >= sizeof config_path) { pthread_mutex_unlock(&lock); return -1; }
  strcpy(config_path, path);
  configured = 1;
  initialized = 0;
  set_calls = 0;
  call_names = 0;
  memset(last_nonce, 0, sizeof last_nonce);
  int status = load(config_path);
  pthread_mutex_unlock(&lock);
  return status;
}

unsigned int fake_nvml_set_calls(void) { return set_calls; }

unsigned int fake_nvml_calls(const char *name) {
  pthread_mutex_lock(&lock);
  unsigned int n = 0;
  for (int i = 0; i < call_names; i++) {
    if (strcmp(calls[i].name, name) == 0) n = calls[i].count;
  }
  pthread_mutex_unlock(&lock);
  return n;
}

void fake_nvml_last_nonce(unsigned char *out) { memcpy(out, last_nonce, sizeof last_nonce); }

long fake_nvml_sizeof(const char *type) {
  if (strcmp(type, "nvmlConfComputeSystemState_t") == 0) return sizeof(nvmlConfComputeSystemState_t);
  if (strcmp(type, "nvmlSystemConfComputeSettings_v1_t") == 0) return sizeof(nvmlSystemConfComputeSettings_v1_t);
  if (strcmp(type, "nvmlConfComputeSystemCaps_t") == 0) return sizeof(nvmlConfComputeSystemCaps_t);
  if (strcmp(type, "nvmlConfComputeMemSizeInfo_t") == 0) return sizeof(nvmlConfComputeMemSizeInfo_t);
  if (strcmp(type, "nvmlConfComputeGpuAttestationReport_t") == 0) return sizeof(nvmlConfComputeGpuAttestationReport_t);
  if (strcmp(type, "nvmlConfComputeGpuCertificate_t") == 0) return sizeof(nvmlConfComputeGpuCertificate_t);
  return -1;
}

long fake_nvml_offsetof(const char *field) {
  if (strcmp(field, "nvmlSystemConfComputeSettings_v1_t.multiGpuMode") == 0)
    return offsetof(nvmlSystemConfComputeSettings_v1_t, multiGpuMode);
  if (strcmp(field, "nvmlConfComputeMemSizeInfo_t.unprotectedMemSizeKib") == 0)
    return offsetof(nvmlConfComputeMemSizeInfo_t, unprotectedMemSizeKib);
  if (strcmp(field, "nvmlConfComputeGpuAttestationReport_t.nonce") == 0)
    return offsetof(nvmlConfComputeGpuAttestationReport_t, nonce);
  if (strcmp(field, "nvmlConfComputeGpuAttestationReport_t.attestationReport") == 0)
    return offsetof(nvmlConfComputeGpuAttestationReport_t, attestationReport);
  if (strcmp(field, "nvmlConfComputeGpuAttestationReport_t.cecAttestationReport") == 0)
    return offsetof(nvmlConfComputeGpuAttestationReport_t, cecAttestationReport);
  if (strcmp(field, "nvmlConfComputeGpuCertificate_t.certChain") == 0)
    return offsetof(nvmlConfComputeGpuCertificate_t, certChain);
  if (strcmp(field, "nvmlConfComputeGpuCertificate_t.attestationCertChain") == 0)
    return offsetof(nvmlConfComputeGpuCertificate_t, attestationCertChain);
  return -1;
}

/* ---- NVML ---- */

nvmlReturn_t nvmlInit_v2(void) {
  pthread_mutex_lock(&lock);
  if (!configured) {
    const char *env = getenv("FAKE_NVML_CONFIG");
    if (load(env) != 0) { pthread_mutex_unlock(&lock); return NVML_ERROR_UNKNOWN; }
    configured = 1;
  }
  int rc = configured_rc("nvmlInit_v2");
  if (rc == NVML_SUCCESS) {
    initialized = 1;
    for (unsigned int i = 0; i < MAX_DEVICES; i++) devices[i].index = i;
  }
  pthread_mutex_unlock(&lock);
  return rc;
}

nvmlReturn_t nvmlShutdown(void) {
  ENTER("nvmlShutdown");
  initialized = 0;
  LEAVE(NVML_SUCCESS);
}

const char *nvmlErrorString(nvmlReturn_t rc) { return rc == 0 ? "Success" : "fake NVML error"; }

nvmlReturn_t nvmlSystemGetDriverVersion(char *version, unsigned int length) {
  ENTER("nvmlSystemGetDriverVersion");
  if (version == NULL) LEAVE(NVML_ERROR_INVALID_ARGUMENT);
  if (strlen(config.driver_version) + 1 > length) LEAVE(NVML_ERROR_INSUFFICIENT_SIZE);
  strcpy(version, config.driver_version);
  LEAVE(NVML_SUCCESS);
}

nvmlReturn_t nvmlDeviceGetCount_v2(unsigned int *count) {
  ENTER("nvmlDeviceGetCount_v2");
  if (count == NULL) LEAVE(NVML_ERROR_INVALID_ARGUMENT);
  *count = config.device_count;
  LEAVE(NVML_SUCCESS);
}

nvmlReturn_t nvmlDeviceGetHandleByIndex_v2(unsigned int index, nvmlDevice_t *device) {
  ENTER("nvmlDeviceGetHandleByIndex_v2");
  if (device == NULL || index >= config.device_count) LEAVE(NVML_ERROR_INVALID_ARGUMENT);
  *device = &devices[index];
  LEAVE(NVML_SUCCESS);
}

nvmlReturn_t nvmlDeviceGetArchitecture(nvmlDevice_t device, unsigned int *arch) {
  ENTER("nvmlDeviceGetArchitecture");
  if (!valid_device(device) || arch == NULL) LEAVE(NVML_ERROR_INVALID_ARGUMENT);
  *arch = config.architecture;
  LEAVE(NVML_SUCCESS);
}

nvmlReturn_t nvmlDeviceGetUUID(nvmlDevice_t device, char *uuid, unsigned int length) {
  ENTER("nvmlDeviceGetUUID");
  if (!valid_device(device) || uuid == NULL) LEAVE(NVML_ERROR_INVALID_ARGUMENT);
  char value[64];
  if (config.device_uuid[device->index][0] != '\0')
    snprintf(value, sizeof value, "%s", config.device_uuid[device->index]);
  else
    snprintf(value, sizeof value, "%s%u", config.uuid_prefix, device->index);
  if (strlen(value) + 1 > length) LEAVE(NVML_ERROR_INSUFFICIENT_SIZE);
  strcpy(uuid, value);
  LEAVE(NVML_SUCCESS);
}

nvmlReturn_t nvmlDeviceGetVbiosVersion(nvmlDevice_t device, char *version, unsigned int length) {
  ENTER("nvmlDeviceGetVbiosVersion");
  if (!valid_device(device) || version == NULL) LEAVE(NVML_ERROR_INVALID_ARGUMENT);
  if (strlen(config.vbios_version) + 1 > length) LEAVE(NVML_ERROR_INSUFFICIENT_SIZE);
  strcpy(version, config.vbios_version);
  LEAVE(NVML_SUCCESS);
}

nvmlReturn_t nvmlSystemGetConfComputeState(nvmlConfComputeSystemState_t *state) {
  ENTER("nvmlSystemGetConfComputeState");
  if (state == NULL) LEAVE(NVML_ERROR_INVALID_ARGUMENT);
  state->environment = config.environment;
  state->ccFeature = config.cc_feature;
  state->devToolsMode = config.devtools;
  LEAVE(NVML_SUCCESS);
}

nvmlReturn_t nvmlSystemGetConfComputeSettings(nvmlSystemConfComputeSettings_v1_t *settings) {
  ENTER("nvmlSystemGetConfComputeSettings");
  if (settings == NULL) LEAVE(NVML_ERROR_INVALID_ARGUMENT);
  if (settings->version != nvmlSystemConfComputeSettings_v1) LEAVE(NVML_ERROR_ARGUMENT_VERSION_MISMATCH);
  settings->environment = config.environment;
  settings->ccFeature = config.cc_feature;
  settings->devToolsMode = config.devtools;
  settings->multiGpuMode = config.multi_gpu;
  LEAVE(NVML_SUCCESS);
}

nvmlReturn_t nvmlSystemGetConfComputeCapabilities(nvmlConfComputeSystemCaps_t *caps) {
  ENTER("nvmlSystemGetConfComputeCapabilities");
  if (caps == NULL) LEAVE(NVML_ERROR_INVALID_ARGUMENT);
  caps->cpuCaps = config.cpu_caps;
  caps->gpusCaps = config.gpus_caps;
  LEAVE(NVML_SUCCESS);
}

nvmlReturn_t nvmlSystemGetConfComputeGpusReadyState(unsigned int *ready) {
  ENTER("nvmlSystemGetConfComputeGpusReadyState");
  if (ready == NULL) LEAVE(NVML_ERROR_INVALID_ARGUMENT);
  *ready = config.ready;
  LEAVE(NVML_SUCCESS);
}

nvmlReturn_t nvmlSystemSetConfComputeGpusReadyState(unsigned int ready) {
  ENTER("nvmlSystemSetConfComputeGpusReadyState");
  if (ready > 1) LEAVE(NVML_ERROR_INVALID_ARGUMENT);
  set_calls++;
  config.ready = ready;
  LEAVE(NVML_SUCCESS);
}

nvmlReturn_t nvmlDeviceGetConfComputeMemSizeInfo(nvmlDevice_t device, nvmlConfComputeMemSizeInfo_t *info) {
  ENTER("nvmlDeviceGetConfComputeMemSizeInfo");
  if (!valid_device(device) || info == NULL) LEAVE(NVML_ERROR_INVALID_ARGUMENT);
  info->protectedMemSizeKib = config.protected_kib;
  info->unprotectedMemSizeKib = config.unprotected_kib;
  LEAVE(NVML_SUCCESS);
}

nvmlReturn_t nvmlDeviceGetConfComputeGpuAttestationReport(nvmlDevice_t device,
                                                          nvmlConfComputeGpuAttestationReport_t *report) {
  ENTER("nvmlDeviceGetConfComputeGpuAttestationReport");
  if (!valid_device(device) || report == NULL) LEAVE(NVML_ERROR_INVALID_ARGUMENT);
  memcpy(last_nonce, report->nonce, sizeof last_nonce);
  long n = read_file(device_file(config.device_report_file, config.report_file, device->index),
                     report->attestationReport, sizeof report->attestationReport);
  if (n < 0) LEAVE(NVML_ERROR_NOT_SUPPORTED);
  report->attestationReportSize = (unsigned int)n;
  report->isCecAttestationReportPresent = 0;
  report->cecAttestationReportSize = 0;
  if (config.cec_report_file[0] != '\0') {
    long c = read_file(config.cec_report_file, report->cecAttestationReport, sizeof report->cecAttestationReport);
    if (c < 0) LEAVE(NVML_ERROR_NOT_SUPPORTED);
    report->isCecAttestationReportPresent = 1;
    report->cecAttestationReportSize = (unsigned int)c;
  }
  LEAVE(NVML_SUCCESS);
}

nvmlReturn_t nvmlDeviceGetConfComputeGpuCertificate(nvmlDevice_t device, nvmlConfComputeGpuCertificate_t *cert) {
  ENTER("nvmlDeviceGetConfComputeGpuCertificate");
  if (!valid_device(device) || cert == NULL) LEAVE(NVML_ERROR_INVALID_ARGUMENT);
  long n = read_file(device_file(config.device_cert_file, config.cert_file, device->index),
                     cert->attestationCertChain, sizeof cert->attestationCertChain);
  if (n < 0) LEAVE(NVML_ERROR_NOT_SUPPORTED);
  cert->attestationCertChainSize = (unsigned int)n;
  /* The GPU's own (non-attestation) chain: the same bytes here, truncated to its buffer. */
  size_t m = (size_t)n < sizeof cert->certChain ? (size_t)n : sizeof cert->certChain;
  memcpy(cert->certChain, cert->attestationCertChain, m);
  cert->certChainSize = (unsigned int)m;
  LEAVE(NVML_SUCCESS);
}
