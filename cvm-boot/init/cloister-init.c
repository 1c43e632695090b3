/*
 * cloister-init: PID 1 of the Cloister enclave image (cvm-boot/README.md, "Hardening").
 *
 * It mounts the pseudo file systems, loads the few kernel modules the image carries, forbids kexec, ptrace, module
 * loading and core dumps through sysctls, configures the network from the measured kernel command line, and runs the
 * enclave's JVM with a fixed argv and environment: its own environment and arguments (which the kernel fills with
 * unknown command-line words) are never passed on. Only the allowlisted cloister.* keys of /proc/cmdline become
 * enclave flags; any other cloister.* key, any malformed value, and any word the kernel did not consume stop the boot
 * with a message on the console. There is no shell, no getty and no way to run anything else: when the JVM exits, the
 * VM powers off.
 *
 * Not PID 1, `cloister-init --parse-cmdline 'WORDS'` prints the JVM's argv for that command line (one per line) or the
 * refusal, and exits 0 or 1: what cvm-boot/init/test.sh checks on the build machine.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/dm-ioctl.h>
#include <linux/reboot.h>
#include <linux/securebits.h>
#include <net/if.h>
#include <net/route.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/reboot.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#define JAVA "/opt/cloister/java/bin/java"
#define MODULE_DIR "/lib/modules/"
#define RUN_DIR "/run/cloister"
#define DATA_DIR "/opt/cloister/data"
#define MAX_CMDLINE 4096
#define MAX_ARGS 64

/* ------------------------------------------------------------------------------------------------------------------ */
/* Messages and stopping */

static int is_pid1;

static void say(const char *fmt, ...) {
    char line[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof line - 1, fmt, ap);
    va_end(ap);
    if (n < 0) return;
    if ((size_t)n > sizeof line - 2) n = (int)sizeof line - 2;
    line[n++] = '\n';
    ssize_t ignored = write(2, "cloister-init: ", 15);
    ignored = write(2, line, (size_t)n);
    (void)ignored;
}

/* Stops the boot: the reason on the console, then power off (PID 1 must never exit: the kernel would panic). */
static void __attribute__((noreturn)) stop(const char *fmt, ...) {
    char reason[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(reason, sizeof reason, fmt, ap);
    va_end(ap);
    say("refusing to start: %s", reason);
    if (!is_pid1) exit(1);
    sync();
    reboot(LINUX_REBOOT_CMD_POWER_OFF);
    for (;;) pause();
}

/* ------------------------------------------------------------------------------------------------------------------ */
/* The command line: allowlisted keys and their flags */

typedef enum { V_LISTEN, V_PLATFORM, V_COUNT, V_DURATION, V_CIDR, V_IPV4, V_HEX64 } value_kind;

typedef struct {
    const char *key;   /* after "cloister." */
    const char *flag;  /* enclave flag, or NULL when cloister-init uses the value itself */
    value_kind kind;
    long min, max;     /* for V_COUNT */
} allowed_key;

static const allowed_key ALLOWED[] = {
    {"listen", "--listen", V_LISTEN, 0, 0},
    {"platform", "--platform", V_PLATFORM, 0, 0},
    {"threads", "--threads", V_COUNT, 1, 256},
    {"max_sequences", "--max-sequences", V_COUNT, 1, 1024},
    {"max_output_tokens", "--max-output-tokens", V_COUNT, 1, 65536},
    {"batch_window", "--batch-window", V_DURATION, 0, 0},
    {"ip", NULL, V_CIDR, 0, 0},
    {"gateway", NULL, V_IPV4, 0, 0},
    /* The second stage's data volume (README, "Second stage"): dm-verity over /dev/vda with its tree on /dev/vdb. */
    {"data_roothash", NULL, V_HEX64, 0, 0},
    {"data_salt", NULL, V_HEX64, 0, 0},
    {"data_blocks", NULL, V_COUNT, 1, 999999999},
};
#define N_ALLOWED (sizeof ALLOWED / sizeof ALLOWED[0])

static int all_digits(const char *s, size_t max_len) {
    size_t n = strlen(s);
    if (n == 0 || n > max_len) return 0;
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9') return 0;
    return 1;
}

static int valid_ipv4(const char *s) {
    struct in_addr a;
    /* inet_pton accepts only the dotted-quad form: no octal, no short forms. */
    return strlen(s) <= 15 && inet_pton(AF_INET, s, &a) == 1;
}

static int valid_value(const allowed_key *k, const char *v) {
    char copy[80];
    if (strlen(v) >= sizeof copy) return 0;
    strcpy(copy, v);
    switch (k->kind) {
        case V_LISTEN: { /* IPv4:PORT */
            char *colon = strrchr(copy, ':');
            if (colon == NULL) return 0;
            *colon = 0;
            if (!valid_ipv4(copy) || !all_digits(colon + 1, 5)) return 0;
            long port = strtol(colon + 1, NULL, 10);
            return port >= 1 && port <= 65535;
        }
        case V_PLATFORM:
            return strcmp(v, "sim") == 0 || strcmp(v, "configfs-tsm") == 0;
        case V_COUNT: {
            if (!all_digits(v, 9)) return 0;
            long n = strtol(v, NULL, 10);
            return n >= k->min && n <= k->max;
        }
        case V_DURATION: { /* PT<seconds>[.<fraction>]S, as java.time.Duration prints it */
            size_t n = strlen(v);
            if (n < 4 || strncmp(v, "PT", 2) != 0 || v[n - 1] != 'S') return 0;
            copy[n - 1] = 0;
            char *dot = strchr(copy + 2, '.');
            if (dot != NULL) {
                *dot = 0;
                if (!all_digits(dot + 1, 9)) return 0;
            }
            return all_digits(copy + 2, 6);
        }
        case V_CIDR: {
            char *slash = strchr(copy, '/');
            if (slash == NULL) return 0;
            *slash = 0;
            if (!valid_ipv4(copy) || !all_digits(slash + 1, 2)) return 0;
            long bits = strtol(slash + 1, NULL, 10);
            return bits >= 1 && bits <= 32;
        }
        case V_IPV4:
            return valid_ipv4(v);
        case V_HEX64: {
            if (strlen(v) != 64) return 0;
            for (size_t i = 0; i < 64; i++)
                if (!((v[i] >= '0' && v[i] <= '9') || (v[i] >= 'a' && v[i] <= 'f'))) return 0;
            return 1;
        }
    }
    return 0;
}

typedef struct {
    const char *values[N_ALLOWED]; /* NULL when absent; point into the command-line buffer */
} settings;

static const char *setting(const settings *s, const char *key) {
    for (size_t i = 0; i < N_ALLOWED; i++)
        if (strcmp(ALLOWED[i].key, key) == 0) return s->values[i];
    return NULL;
}

/*
 * Parses the kernel command line (modified in place). Words that do not start with "cloister." belong to the kernel
 * (the words it does not know reach this process as arguments or environment, which check_leftovers refuses).
 * Quotes are refused in cloister.* words: the kernel's quoting rules are not worth reproducing here.
 */
static void parse_cmdline(char *line, settings *out) {
    memset(out, 0, sizeof *out);
    for (char *save = NULL, *word = strtok_r(line, " \t\n", &save); word != NULL;
         word = strtok_r(NULL, " \t\n", &save)) {
        if (strncmp(word, "cloister", 8) != 0) continue;
        if (strchr(word, '"') != NULL) stop("kernel command line: quotes are not accepted in \"%.64s\"", word);
        if (word[8] != '.') continue; /* not a module-style key: the kernel hands it to init, refused there */
        char *key = word + 9;
        char *eq = strchr(key, '=');
        if (eq == NULL) stop("kernel command line: \"%.64s\" has no value (cloister.KEY=VALUE)", word);
        *eq = 0;
        const char *value = eq + 1;
        size_t i = 0;
        while (i < N_ALLOWED && strcmp(ALLOWED[i].key, key) != 0) i++;
        if (i == N_ALLOWED)
            stop("kernel command line: \"cloister.%.48s\" is not an allowed key (allowed: listen, platform, threads, "
                 "max_sequences, max_output_tokens, batch_window, ip, gateway, data_roothash, data_salt, data_blocks)",
                 key);
        if (out->values[i] != NULL) stop("kernel command line: cloister.%s is given twice", key);
        if (!valid_value(&ALLOWED[i], value))
            stop("kernel command line: cloister.%s=\"%.64s\" is not a valid value", key, value);
        out->values[i] = value;
    }
    if (setting(out, "gateway") != NULL && setting(out, "ip") == NULL)
        stop("kernel command line: cloister.gateway needs cloister.ip");
    int data = (setting(out, "data_roothash") != NULL) + (setting(out, "data_salt") != NULL) +
               (setting(out, "data_blocks") != NULL);
    if (data != 0 && data != 3)
        stop("kernel command line: cloister.data_roothash, cloister.data_salt and cloister.data_blocks go together");
}

static int has_data_volume(const settings *s) { return setting(s, "data_roothash") != NULL; }

/*
 * The kernel passes init the command-line words it did not consume: "a=b" in the environment, others as arguments.
 * HOME=/ and TERM=linux are the kernel's own defaults; anything else is a word nobody would act on, so refuse it
 * rather than boot with a setting that silently does nothing.
 */
static void check_leftovers(int argc, char **argv, char **envp) {
    if (argc > 1) stop("kernel command line: unknown parameter \"%.64s\"", argv[1]);
    for (char **e = envp; *e != NULL; e++) {
        if (strcmp(*e, "HOME=/") == 0 || strcmp(*e, "TERM=linux") == 0) continue;
        stop("kernel command line: unknown parameter \"%.64s\"", *e);
    }
}

/* The JVM's argv: fixed, plus the allowlisted flags in table order. */
static int jvm_argv(const settings *s, const char **argv) {
    static const char *const fixed[] = {
        JAVA,
        "-XX:-UsePerfData",                   /* no /tmp/hsperfdata file */
        "-XX:+DisableAttachMechanism",        /* no attach socket */
        "-XX:-CreateCoredumpOnCrash",
        "-XX:ErrorFile=/dev/null",            /* a crash report holds memory contents: it must not reach the console */
        "-XX:+ExitOnOutOfMemoryError",
        "-XX:MaxRAMPercentage=70",
        "-Djava.io.tmpdir=" RUN_DIR "/tmp",
        "-Duser.home=/nonexistent",
        "-Djava.library.path=/opt/cloister/lib",
        "-Dorg.bytedeco.javacpp.pathsFirst=true", /* the pre-extracted JNI library in the measured tree */
        "-Dorg.bytedeco.javacpp.cacheDir=/nonexistent", /* never extract a library into a writable directory */
        "-Dvertx.disableFileCaching=true",
        "-Dvertx.cacheDirBase=" RUN_DIR "/tmp/vertx",
        "--enable-native-access=ALL-UNNAMED",
        "--sun-misc-unsafe-memory-access=allow",
        "-jar", "/opt/cloister/cloister-enclave.jar",
        "--sim-dir", RUN_DIR "/sim",
    };
    int n = 0;
    for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++) argv[n++] = fixed[i];
    /* The model: on the verified data volume when there is one, else the test model inside the initrd. */
    argv[n++] = "--model";
    argv[n++] = has_data_volume(s) ? DATA_DIR "/model.bin" : "/opt/cloister/models/stories260K.bin";
    argv[n++] = "--tokenizer";
    argv[n++] = has_data_volume(s) ? DATA_DIR "/tokenizer.bin" : "/opt/cloister/models/tok512.bin";
    int has_listen = 0, has_platform = 0;
    for (size_t i = 0; i < N_ALLOWED; i++) {
        if (ALLOWED[i].flag == NULL || s->values[i] == NULL) continue;
        argv[n++] = ALLOWED[i].flag;
        argv[n++] = s->values[i];
        has_listen |= ALLOWED[i].kind == V_LISTEN;
        has_platform |= ALLOWED[i].kind == V_PLATFORM;
    }
    if (!has_listen) { /* eth0's own address (the private network the gateway reaches), never a wildcard */
        static char listen[32];
        const char *cidr = setting(s, "ip");
        if (cidr != NULL) {
            snprintf(listen, sizeof listen, "%.*s:8443", (int)strcspn(cidr, "/"), cidr);
        } else {
            snprintf(listen, sizeof listen, "127.0.0.1:8443"); /* no eth0: loopback is all there is */
        }
        argv[n++] = "--listen";
        argv[n++] = listen;
    }
    if (!has_platform) { /* the hardware's evidence unless the measured command line asks for the simulation */
        argv[n++] = "--platform";
        argv[n++] = "configfs-tsm";
    }
    argv[n] = NULL;
    return n;
}

/* ------------------------------------------------------------------------------------------------------------------ */
/* The system: mounts, modules, sysctls, network */

static void mount_or_stop(const char *source, const char *target, const char *type, unsigned long flags,
                          const char *data) {
    if (mkdir(target, 0755) != 0 && errno != EEXIST) stop("mkdir %s: %s", target, strerror(errno));
    if (mount(source, target, type, flags, data) != 0) stop("mount %s on %s: %s", type, target, strerror(errno));
}

static void console(void) {
    mount_or_stop("devtmpfs", "/dev", "devtmpfs", MS_NOSUID | MS_NOEXEC, "mode=0755");
    int fd = open("/dev/console", O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (fd < 0) fd = open("/dev/null", O_RDWR | O_CLOEXEC); /* no console: messages are lost, the boot goes on */
    if (fd >= 0) {
        dup2(fd, 0);
        dup2(fd, 1);
        dup2(fd, 2);
        if (fd > 2) close(fd);
    }
}

/* Modules in load order (dependencies first); `optional` ones fail with ENODEV where their hardware is absent. */
typedef struct { const char *name; int optional; } module;
static const module MODULES[] = {
    {"configfs", 0}, {"tsm", 0}, {"sev-guest", 1}, {"tdx-guest", 1},
    {"failover", 0}, {"net_failover", 0}, {"virtio_net", 0},
};
/* Only with a data volume: its disks, device mapper with dm-verity, and EROFS. */
static const module DATA_MODULES[] = {
    {"virtio_blk", 0}, {"dm-mod", 0}, {"dm-bufio", 0}, {"reed_solomon", 0}, {"dm-verity", 0},
    {"libcrc32c", 0}, {"erofs", 0},
};

static void load_modules(const module *list, size_t count) {
    for (size_t i = 0; i < count; i++) {
        char path[128];
        snprintf(path, sizeof path, MODULE_DIR "%s.ko", list[i].name);
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0) stop("module %s: %s", path, strerror(errno));
        long rc = syscall(SYS_finit_module, fd, "", 0);
        int err = errno;
        close(fd);
        if (rc == 0 || err == EEXIST) continue;
        if (list[i].optional && (err == ENODEV || err == ENXIO)) {
            say("%s: no such device here (not this TEE)", list[i].name);
            continue;
        }
        stop("loading module %s: %s", list[i].name, strerror(err));
    }
}

/* Waits up to 10 s for a device node that a module's probe creates. */
static void wait_for(const char *path) {
    for (int i = 0; i < 100; i++) {
        if (access(path, F_OK) == 0) return;
        usleep(100000);
    }
    stop("%s did not appear", path);
}

static void dm_init(struct dm_ioctl *io, size_t size, const char *name, unsigned flags) {
    memset(io, 0, size);
    io->version[0] = DM_VERSION_MAJOR;
    io->version[1] = 0;
    io->version[2] = 0;
    io->data_size = (unsigned)size;
    io->data_start = sizeof *io;
    io->flags = flags;
    snprintf(io->name, sizeof io->name, "%s", name);
}

/*
 * The data volume: a read-only dm-verity device over /dev/vda (EROFS) whose hash tree is /dev/vdb (veritysetup's
 * superblock in its first block), checked against the measured root hash, mounted ro,nodev,nosuid on DATA_DIR.
 * A wrong root hash or a tampered block makes the first read fail, so the mount fails and the boot stops.
 */
static void data_volume(const settings *s) {
    load_modules(DATA_MODULES, sizeof DATA_MODULES / sizeof DATA_MODULES[0]);
    wait_for("/dev/mapper/control");
    wait_for("/dev/vda");
    wait_for("/dev/vdb");
    int ctl = open("/dev/mapper/control", O_RDWR | O_CLOEXEC);
    if (ctl < 0) stop("/dev/mapper/control: %s", strerror(errno));
    union {
        struct dm_ioctl io;
        char bytes[sizeof(struct dm_ioctl) + sizeof(struct dm_target_spec) + 512];
    } buf;
    dm_init(&buf.io, sizeof buf.io, "cloister-data", DM_READONLY_FLAG);
    if (ioctl(ctl, DM_DEV_CREATE, &buf.io) != 0) stop("data volume: DM_DEV_CREATE: %s", strerror(errno));
    unsigned minor_number = minor(buf.io.dev);

    long long blocks = strtoll(setting(s, "data_blocks"), NULL, 10);
    dm_init(&buf.io, sizeof buf, "cloister-data", DM_READONLY_FLAG);
    buf.io.target_count = 1;
    struct dm_target_spec *spec = (struct dm_target_spec *)(buf.bytes + sizeof buf.io);
    spec->sector_start = 0;
    spec->length = (unsigned long long)blocks * 8; /* 512-byte sectors */
    snprintf(spec->target_type, sizeof spec->target_type, "verity");
    char *params = (char *)(spec + 1);
    /* version 1, data dev, hash dev, block sizes, data blocks, hash start block (after the superblock), algorithm */
    snprintf(params, 512, "1 /dev/vda /dev/vdb 4096 4096 %lld 1 sha256 %s %s", blocks, setting(s, "data_roothash"),
             setting(s, "data_salt"));
    spec->next = 0;
    if (ioctl(ctl, DM_TABLE_LOAD, &buf.io) != 0) stop("data volume: DM_TABLE_LOAD (verity): %s", strerror(errno));
    dm_init(&buf.io, sizeof buf.io, "cloister-data", 0);
    if (ioctl(ctl, DM_DEV_SUSPEND, &buf.io) != 0) stop("data volume: resume: %s", strerror(errno));
    close(ctl);

    char dev[32];
    snprintf(dev, sizeof dev, "/dev/dm-%u", minor_number);
    wait_for(dev);
    if (mkdir(DATA_DIR, 0755) != 0 && errno != EEXIST) stop("mkdir %s: %s", DATA_DIR, strerror(errno));
    if (mount(dev, DATA_DIR, "erofs", MS_RDONLY | MS_NODEV | MS_NOSUID, NULL) != 0)
        stop("data volume does not match cloister.data_roothash (mount of the verified device: %s)", strerror(errno));
    say("data volume verified and mounted (root hash %.16s...)", setting(s, "data_roothash"));
}

static int write_file(const char *path, const char *value) {
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    size_t n = strlen(value);
    ssize_t w = write(fd, value, n);
    int err = errno;
    close(fd);
    errno = err;
    return w == (ssize_t)n ? 0 : -1;
}

static void sysctl(const char *name, const char *value, int required) {
    char path[128];
    snprintf(path, sizeof path, "/proc/sys/%s", name);
    if (write_file(path, value) == 0) return;
    if (!required && errno == ENOENT) {
        say("sysctl %s: not in this kernel", name);
        return;
    }
    stop("sysctl %s=%s: %s", name, value, strerror(errno));
}

static void harden(void) {
    sysctl("kernel/kexec_load_disabled", "1", 1);  /* no other kernel can be loaded into this VM */
    sysctl("kernel/yama/ptrace_scope", "3", 0);    /* no process can trace or read another's memory */
    sysctl("fs/suid_dumpable", "0", 1);
    sysctl("kernel/core_pattern", "/nonexistent/core", 1); /* never a pipe; RLIMIT_CORE 0 besides */
    sysctl("kernel/kptr_restrict", "2", 1);
    sysctl("kernel/dmesg_restrict", "1", 1);
    sysctl("kernel/perf_event_paranoid", "3", 1);
    sysctl("kernel/unprivileged_bpf_disabled", "1", 1);
    sysctl("kernel/sysrq", "0", 1);
    sysctl("vm/unprivileged_userfaultfd", "0", 0);
    sysctl("kernel/unprivileged_userns_clone", "0", 0); /* Debian's switch */
    sysctl("user/max_user_namespaces", "0", 1);
    sysctl("kernel/modules_disabled", "1", 1);          /* last: after the image's own modules */
    /* No later writer can change any of it: /proc/sys becomes read-only. */
    if (mount("/proc/sys", "/proc/sys", NULL, MS_BIND, NULL) != 0 ||
        mount(NULL, "/proc/sys", NULL, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) != 0)
        stop("read-only /proc/sys: %s", strerror(errno));
}

static void set_addr(int sock, unsigned long request, const char *ifname, in_addr_t addr, const char *what) {
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    snprintf(ifr.ifr_name, IFNAMSIZ, "%s", ifname);
    struct sockaddr_in *sin = (struct sockaddr_in *)&ifr.ifr_addr;
    sin->sin_family = AF_INET;
    sin->sin_addr.s_addr = addr;
    if (ioctl(sock, request, &ifr) != 0) stop("network: %s of %s: %s", what, ifname, strerror(errno));
}

static void link_up(int sock, const char *ifname) {
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    snprintf(ifr.ifr_name, IFNAMSIZ, "%s", ifname);
    if (ioctl(sock, SIOCGIFFLAGS, &ifr) != 0) stop("network: no interface %s: %s", ifname, strerror(errno));
    ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
    if (ioctl(sock, SIOCSIFFLAGS, &ifr) != 0) stop("network: %s up: %s", ifname, strerror(errno));
}

/* lo always; eth0 (the first virtio NIC) with cloister.ip=A.B.C.D/N and the default route via cloister.gateway. */
static void network(const settings *s) {
    int sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (sock < 0) stop("network: socket: %s", strerror(errno));
    link_up(sock, "lo");
    const char *cidr = setting(s, "ip");
    if (cidr != NULL) {
        char addr[32];
        snprintf(addr, sizeof addr, "%s", cidr);
        char *slash = strchr(addr, '/');
        *slash = 0;
        long bits = strtol(slash + 1, NULL, 10);
        in_addr_t mask = htonl(bits == 32 ? 0xffffffffu : ~(0xffffffffu >> bits));
        set_addr(sock, SIOCSIFADDR, "eth0", inet_addr(addr), "address");
        set_addr(sock, SIOCSIFNETMASK, "eth0", mask, "netmask");
        link_up(sock, "eth0");
        say("network: eth0 %s", cidr);
        const char *gw = setting(s, "gateway");
        if (gw != NULL) {
            struct rtentry rt;
            memset(&rt, 0, sizeof rt);
            ((struct sockaddr_in *)&rt.rt_dst)->sin_family = AF_INET;
            ((struct sockaddr_in *)&rt.rt_genmask)->sin_family = AF_INET;
            struct sockaddr_in *g = (struct sockaddr_in *)&rt.rt_gateway;
            g->sin_family = AF_INET;
            g->sin_addr.s_addr = inet_addr(gw);
            rt.rt_flags = RTF_UP | RTF_GATEWAY;
            if (ioctl(sock, SIOCADDRT, &rt) != 0) stop("network: default route via %s: %s", gw, strerror(errno));
            say("network: default route via %s", gw);
        }
    }
    close(sock);
}

/* The JVM keeps uid 0 (it owns the configfs-tsm report directory) but no capability at all, and cannot regain one. */
static void drop_privileges(void) {
    struct rlimit zero = {0, 0};
    if (setrlimit(RLIMIT_CORE, &zero) != 0) stop("RLIMIT_CORE: %s", strerror(errno));
    /* uid 0 gains no capability at execve, and nothing can undo that. */
    unsigned long bits = SECBIT_NOROOT | SECBIT_NOROOT_LOCKED | SECBIT_NO_SETUID_FIXUP | SECBIT_NO_SETUID_FIXUP_LOCKED |
                         SECBIT_KEEP_CAPS_LOCKED | SECBIT_NO_CAP_AMBIENT_RAISE | SECBIT_NO_CAP_AMBIENT_RAISE_LOCKED;
    if (prctl(PR_SET_SECUREBITS, bits, 0, 0, 0) != 0) stop("securebits: %s", strerror(errno));
    for (int cap = 0; cap <= 63; cap++)
        if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0 && errno != EINVAL) stop("drop capability %d: %s", cap,
                                                                               strerror(errno));
    if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0) stop("ambient capabilities: %s", strerror(errno));
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) stop("no_new_privs: %s", strerror(errno));
    struct __user_cap_header_struct header = {_LINUX_CAPABILITY_VERSION_3, 0};
    struct __user_cap_data_struct data[2];
    memset(data, 0, sizeof data);
    if (syscall(SYS_capset, &header, data) != 0) stop("capset: %s", strerror(errno));
}

/* ------------------------------------------------------------------------------------------------------------------ */

static void read_cmdline(char *buf, size_t size) {
    int fd = open("/proc/cmdline", O_RDONLY | O_CLOEXEC);
    if (fd < 0) stop("/proc/cmdline: %s", strerror(errno));
    ssize_t n = read(fd, buf, size - 1);
    close(fd);
    if (n < 0) stop("/proc/cmdline: %s", strerror(errno));
    if ((size_t)n == size - 1) stop("/proc/cmdline: longer than %zu bytes", size - 2);
    buf[n] = 0;
}

static int parse_only(const char *words) {
    char line[MAX_CMDLINE];
    if (strlen(words) >= sizeof line) stop("command line too long");
    strcpy(line, words);
    settings s;
    parse_cmdline(line, &s);
    const char *argv[MAX_ARGS];
    jvm_argv(&s, argv);
    for (int i = 0; argv[i] != NULL; i++) printf("%s\n", argv[i]);
    if (setting(&s, "ip") != NULL) printf("# eth0 %s\n", setting(&s, "ip"));
    if (setting(&s, "gateway") != NULL) printf("# gateway %s\n", setting(&s, "gateway"));
    if (has_data_volume(&s)) printf("# data volume %s\n", setting(&s, "data_roothash"));
    return 0;
}

int main(int argc, char **argv, char **envp) {
    is_pid1 = getpid() == 1;
    if (!is_pid1) {
        if (argc == 3 && strcmp(argv[1], "--parse-cmdline") == 0) return parse_only(argv[2]);
        fprintf(stderr, "cloister-init: runs only as PID 1 (or: --parse-cmdline 'WORDS')\n");
        return 2;
    }
    console();
    say("Cloister enclave image");
    check_leftovers(argc, argv, envp);
    mount_or_stop("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, "hidepid=2");
    static char cmdline[MAX_CMDLINE];
    read_cmdline(cmdline, sizeof cmdline);
    settings s;
    parse_cmdline(cmdline, &s);

    mount_or_stop("sysfs", "/sys", "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
    mount_or_stop("tmpfs", "/run", "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=0755,size=64m");
    mount_or_stop("tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=1777,size=16m");
    load_modules(MODULES, sizeof MODULES / sizeof MODULES[0]);
    if (has_data_volume(&s)) data_volume(&s);
    mount_or_stop("configfs", "/sys/kernel/config", "configfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
    harden();
    network(&s);
    if (mkdir(RUN_DIR, 0700) != 0 || mkdir(RUN_DIR "/tmp", 0700) != 0 || mkdir(RUN_DIR "/sim", 0700) != 0)
        stop("%s: %s", RUN_DIR, strerror(errno));
    /* The image itself is never written again. */
    if (mount(NULL, "/", NULL, MS_REMOUNT | MS_RDONLY, NULL) != 0) stop("read-only root: %s", strerror(errno));

    const char *jargv[MAX_ARGS];
    jvm_argv(&s, jargv);
    static char *const jenv[] = {"LANG=C.UTF-8", "HOME=/nonexistent", "PATH=/nonexistent", NULL};
    pid_t jvm = fork();
    if (jvm < 0) stop("fork: %s", strerror(errno));
    if (jvm == 0) {
        drop_privileges();
        if (chdir(RUN_DIR) != 0) stop("chdir %s: %s", RUN_DIR, strerror(errno));
        execve(JAVA, (char *const *)jargv, jenv);
        say("exec %s: %s", JAVA, strerror(errno));
        _exit(127);
    }
    say("enclave started (pid %d)", (int)jvm);
    for (;;) { /* reap everything; when the JVM ends, so does the VM */
        int status;
        pid_t pid = wait(&status);
        if (pid < 0 && errno == EINTR) continue;
        if (pid == jvm || pid < 0) {
            if (pid == jvm && WIFEXITED(status)) say("enclave exited with status %d: powering off", WEXITSTATUS(status));
            else if (pid == jvm && WIFSIGNALED(status)) say("enclave killed by signal %d: powering off", WTERMSIG(status));
            sync();
            reboot(LINUX_REBOOT_CMD_POWER_OFF);
            for (;;) pause();
        }
    }
}
