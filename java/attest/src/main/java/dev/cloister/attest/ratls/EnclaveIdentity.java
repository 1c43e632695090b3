package dev.cloister.attest.ratls;

import dev.cloister.attest.bundle.EvidenceBundle;
import dev.cloister.base.Bytes;
import dev.cloister.base.SecretBytes;
import dev.cloister.ledger.LedgerException;
import dev.cloister.ledger.merkle.InMemoryHashStore;
import dev.cloister.ledger.merkle.InclusionProof;
import dev.cloister.ledger.merkle.MerkleTree;
import dev.cloister.ledger.merkle.TreeHash;
import java.io.IOException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.bouncycastle.asn1.ASN1Encoding;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import org.bouncycastle.crypto.util.SubjectPublicKeyInfoFactory;

/**
 * An enclave's RA-TLS identity: an Ed25519 TLS key generated in memory when the enclave starts (it is never written
 * anywhere and is gone when the process ends), the platform's {@link EvidenceSource}, and how reports are shared
 * between handshakes ({@link AttestationMode}). Issues one short-lived certificate per handshake, whose evidence
 * extension binds the hardware report to that handshake's nonce, to this key and to the current GPU evidence.
 *
 * <p>The key rotates: once it is {@code keyLifetime} old, the next handshake (or {@link #rotateIfDue()}) generates a
 * new one, and every certificate from then on carries the new key with evidence bound to it. A handshake already given
 * a certificate finishes with the old key, and sessions already open keep their TLS traffic keys (the identity key
 * only signs CertificateVerify). The replaced key is zeroed at the rotation after (one lifetime later, long after any
 * handshake that used it has ended, since a lifetime exceeds the evidence timeout). Thread-safe; {@link #close()}
 * stops the batching thread and zeroes the keys.
 */
public final class EnclaveIdentity implements CertificateIssuer, AutoCloseable {

    /** Default certificate lifetime: long enough for any handshake, short enough to be useless later. */
    public static final Duration DEFAULT_CERTIFICATE_LIFETIME = Duration.ofMinutes(5);

    /** Default key lifetime: the TLS key is replaced once a day. */
    public static final Duration DEFAULT_KEY_LIFETIME = Duration.ofHours(24);

    /**
     * One generation of the TLS key: the Ed25519 seed (each credential rebuilds the key from it, so the long-lived copy
     * is a SecretBytes), its public SPKI, and when it was made.
     */
    private record TlsKey(SecretBytes seed, byte[] spki, Instant born) {}

    private final Duration keyLifetime;
    /** The key new certificates carry. */
    private volatile TlsKey key;
    /** The key it replaced, kept until the next rotation for handshakes that were given it; then zeroed. */
    private TlsKey previous;

    private final EvidenceSource source;
    private final Duration certificateLifetime;
    private final Duration evidenceTimeout;
    private final Clock clock;
    private final SecureRandom random;
    private final Optional<ReportBatcher> batcher;

    private EnclaveIdentity(
            EvidenceSource source,
            AttestationMode mode,
            Duration certificateLifetime,
            Duration evidenceTimeout,
            Duration keyLifetime,
            Clock clock,
            SecureRandom random) {
        this.source = Objects.requireNonNull(source, "source");
        this.certificateLifetime = Objects.requireNonNull(certificateLifetime, "certificateLifetime");
        this.evidenceTimeout = Objects.requireNonNull(evidenceTimeout, "evidenceTimeout");
        this.keyLifetime = Objects.requireNonNull(keyLifetime, "keyLifetime");
        if (keyLifetime.compareTo(evidenceTimeout) <= 0 || keyLifetime.compareTo(Duration.ofSeconds(1)) < 0) {
            throw new IllegalArgumentException(
                    "key lifetime must be at least 1 s and longer than the evidence timeout, got " + keyLifetime);
        }
        if (certificateLifetime.isNegative()
                || certificateLifetime.isZero()
                || certificateLifetime.compareTo(Duration.ofDays(1)) > 0) {
            throw new IllegalArgumentException(
                    "certificate lifetime must be in (0, 1 day], got " + certificateLifetime);
        }
        this.clock = Objects.requireNonNull(clock, "clock");
        this.random = Objects.requireNonNull(random, "random");
        this.key = newKey();
        this.batcher = switch (Objects.requireNonNull(mode, "mode")) {
            case AttestationMode.PerHandshake p -> Optional.empty();
            case AttestationMode.Batched b -> Optional.of(new ReportBatcher(b));
        };
    }

    /**
     * Generates the enclave's TLS key now; it is replaced every {@link #DEFAULT_KEY_LIFETIME}.
     *
     * @param certificateLifetime validity of each certificate (e.g. {@link #DEFAULT_CERTIFICATE_LIFETIME})
     * @param evidenceTimeout how long a handshake waits for its hardware report before it fails with
     *     {@link RaTlsException.Reason#EVIDENCE_UNAVAILABLE}
     */
    public static EnclaveIdentity generate(
            EvidenceSource source,
            AttestationMode mode,
            Duration certificateLifetime,
            Duration evidenceTimeout,
            Clock clock,
            SecureRandom random) {
        return generate(source, mode, certificateLifetime, evidenceTimeout, DEFAULT_KEY_LIFETIME, clock, random);
    }

    /**
     * Generates the enclave's TLS key now.
     *
     * @param keyLifetime how long one TLS key serves new handshakes before it is replaced (at least 1 s and longer
     *     than {@code evidenceTimeout})
     */
    public static EnclaveIdentity generate(
            EvidenceSource source,
            AttestationMode mode,
            Duration certificateLifetime,
            Duration evidenceTimeout,
            Duration keyLifetime,
            Clock clock,
            SecureRandom random) {
        return new EnclaveIdentity(source, mode, certificateLifetime, evidenceTimeout, keyLifetime, clock, random);
    }

    private TlsKey newKey() {
        SecretBytes seed = SecretBytes.random(random, Ed25519PrivateKeyParameters.KEY_SIZE);
        try {
            byte[] spki = SubjectPublicKeyInfoFactory.createSubjectPublicKeyInfo(
                            signingKey(seed).generatePublicKey())
                    .getEncoded(ASN1Encoding.DER);
            return new TlsKey(seed, spki, clock.instant());
        } catch (IOException e) {
            throw new IllegalStateException("SPKI encoding to memory failed", e);
        }
    }

    /**
     * Replaces the TLS key when it is {@code keyLifetime} old (the enclave calls this on a timer too, so an idle
     * enclave does not keep an old key), zeroing the one replaced before.
     *
     * @return whether a new key was made
     */
    public synchronized boolean rotateIfDue() {
        if (clock.instant().isBefore(key.born().plus(keyLifetime))) return false;
        if (previous != null) previous.seed().destroy();
        previous = key;
        key = newKey();
        return true;
    }

    /** The current key, rotated first when due. */
    private TlsKey currentKey() {
        TlsKey k = key;
        if (!clock.instant().isBefore(k.born().plus(keyLifetime))) {
            rotateIfDue();
            k = key;
        }
        return k;
    }

    /** The DER SubjectPublicKeyInfo of the current TLS key (public). */
    public byte[] spki() {
        return currentKey().spki().clone();
    }

    @Override
    public Credential forServerHandshake(byte[] clientRandom) throws RaTlsException {
        requireNonce(clientRandom);
        if (batcher.isPresent()) {
            ReportBatcher.Bound bound = batcher.get().await(clientRandom);
            return credential(bound.evidence(), bound.key());
        }
        TlsKey k = currentKey();
        return credential(single(gpu -> HandshakeBinding.server(clientRandom, k.spki(), gpu)), k);
    }

    @Override
    public Credential forClientHandshake(byte[] serverRandom) throws RaTlsException {
        requireNonce(serverRandom);
        TlsKey k = currentKey();
        return credential(single(gpu -> HandshakeBinding.client(serverRandom, k.spki(), gpu)), k);
    }

    /** The TLS key of {@code seed}, rebuilt for one credential. */
    private static Ed25519PrivateKeyParameters signingKey(SecretBytes seed) {
        byte[] bytes = seed.reveal();
        try {
            return new Ed25519PrivateKeyParameters(bytes);
        } finally {
            java.util.Arrays.fill(bytes, (byte) 0);
        }
    }

    /** A certificate for the current key carrying {@code evidence} (bound to anything: tests forge with it). */
    Credential credential(RaTlsEvidence evidence) {
        return credential(evidence, currentKey());
    }

    private Credential credential(RaTlsEvidence evidence, TlsKey k) {
        Ed25519PrivateKeyParameters signingKey = signingKey(k.seed());
        return new Credential(
                RaTlsCertificate.issue(signingKey, k.spki(), evidence, clock.instant(), certificateLifetime, random),
                signingKey);
    }

    /** Evidence from one report whose REPORT_DATA is {@code binding(gpu evidence bytes)}. */
    RaTlsEvidence single(java.util.function.Function<byte[], byte[]> binding) throws RaTlsException {
        try {
            Optional<EvidenceSource.GpuEvidence> gpu = source.currentGpuEvidence();
            byte[] reportData = binding.apply(
                    gpu.map(EvidenceSource.GpuEvidence::commitment).orElse(new byte[0]));
            return new RaTlsEvidence(
                    bundle(source.cpuReport(reportData), gpu),
                    gpu.map(EvidenceSource.GpuEvidence::freshness),
                    Optional.empty());
        } catch (IOException | RuntimeException e) {
            throw new RaTlsException(
                    RaTlsException.Reason.EVIDENCE_UNAVAILABLE,
                    "while obtaining a hardware report: " + e.getClass().getSimpleName(),
                    e);
        }
    }

    static EvidenceBundle bundle(EvidenceSource.CpuEvidence cpu, Optional<EvidenceSource.GpuEvidence> gpu) {
        return new EvidenceBundle(
                cpu.report(),
                cpu.endorsements(),
                gpu.map(EvidenceSource.GpuEvidence::report),
                gpu.map(EvidenceSource.GpuEvidence::endorsements),
                cpu.ledgerProofs(),
                gpu.flatMap(EvidenceSource.GpuEvidence::rims),
                cpu.crl(),
                gpu.flatMap(EvidenceSource.GpuEvidence::ocsp),
                gpu.map(EvidenceSource.GpuEvidence::additionalGpus).orElse(List.of()));
    }

    private static void requireNonce(byte[] nonce) throws RaTlsException {
        if (nonce == null || nonce.length != 32) {
            throw new RaTlsException(RaTlsException.Reason.PROTOCOL, "the handshake nonce is not 32 bytes");
        }
    }

    @Override
    public void close() {
        batcher.ifPresent(ReportBatcher::close);
        synchronized (this) {
            if (previous != null) previous.seed().destroy();
        }
    }

    @Override
    public String toString() {
        return "EnclaveIdentity[key=Ed25519 (in memory), source=" + source + ", batched=" + batcher.isPresent() + "]";
    }

    /**
     * Collects the handshakes waiting for evidence and serves each group with one report (RA-TLS.md, "Batching"). The
     * first waiting handshake opens a window; the batch closes when the window ends or it is full; the report is made
     * when the platform is free (it is serialized), so batches grow under load while the previous report is made.
     */
    private final class ReportBatcher {
        private final AttestationMode.Batched mode;
        private final LinkedBlockingQueue<Pending> queue = new LinkedBlockingQueue<>();
        private final Thread thread;
        private volatile boolean closed;

        /** Evidence for one handshake and the key it is bound to (the batch's key, whatever rotated since). */
        record Bound(RaTlsEvidence evidence, TlsKey key) {}

        private record Pending(Bytes nonce, long arrivedNanos, CompletableFuture<Bound> result) {}

        ReportBatcher(AttestationMode.Batched mode) {
            this.mode = mode;
            this.thread =
                    Thread.ofPlatform().daemon().name("ra-tls-report-batcher").unstarted(this::run);
            thread.start();
        }

        Bound await(byte[] nonce) throws RaTlsException {
            if (closed) {
                throw new RaTlsException(RaTlsException.Reason.EVIDENCE_UNAVAILABLE, "the enclave identity is closed");
            }
            Pending p = new Pending(Bytes.of(nonce), System.nanoTime(), new CompletableFuture<>());
            queue.add(p);
            try {
                return p.result.get(evidenceTimeout.toNanos(), TimeUnit.NANOSECONDS);
            } catch (TimeoutException e) {
                p.result.cancel(false);
                throw new RaTlsException(
                        RaTlsException.Reason.EVIDENCE_UNAVAILABLE, "no hardware report within " + evidenceTimeout, e);
            } catch (ExecutionException e) {
                throw e.getCause() instanceof RaTlsException r
                        ? r
                        : new RaTlsException(RaTlsException.Reason.EVIDENCE_UNAVAILABLE, "batch report failed", e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new RaTlsException(RaTlsException.Reason.EVIDENCE_UNAVAILABLE, "interrupted", e);
            }
        }

        private void run() {
            while (!closed) {
                List<Pending> batch = new ArrayList<>();
                try {
                    Pending first = queue.poll(100, TimeUnit.MILLISECONDS);
                    if (first == null) {
                        continue;
                    }
                    batch.add(first);
                    long deadline = first.arrivedNanos + mode.window().toNanos();
                    while (batch.size() < mode.maxBatch()) {
                        long wait = deadline - System.nanoTime();
                        Pending p = wait > 0 ? queue.poll(wait, TimeUnit.NANOSECONDS) : queue.poll();
                        if (p == null) {
                            break;
                        }
                        batch.add(p);
                    }
                } catch (InterruptedException e) {
                    closed = true;
                }
                batch.removeIf(p -> p.result.isDone());
                if (!batch.isEmpty()) {
                    serve(batch);
                }
            }
            for (Pending p; (p = queue.poll()) != null; ) {
                p.result.completeExceptionally(new RaTlsException(
                        RaTlsException.Reason.EVIDENCE_UNAVAILABLE, "the enclave identity is closed"));
            }
        }

        private void serve(List<Pending> batch) {
            try {
                InMemoryHashStore tree = new InMemoryHashStore();
                for (Pending p : batch) {
                    tree.append(TreeHash.leafHash(p.nonce.toByteArray()));
                }
                long n = batch.size();
                byte[] root = MerkleTree.rootHash(tree, n);
                Optional<EvidenceSource.GpuEvidence> gpu = source.currentGpuEvidence();
                TlsKey k = currentKey();
                byte[] reportData = HandshakeBinding.serverBatch(
                        root,
                        k.spki(),
                        gpu.map(EvidenceSource.GpuEvidence::commitment).orElse(new byte[0]));
                EvidenceBundle bundle = bundle(source.cpuReport(reportData), gpu);
                for (int i = 0; i < batch.size(); i++) {
                    InclusionProof path = MerkleTree.inclusionProof(tree, i, n);
                    batch.get(i)
                            .result
                            .complete(new Bound(
                                    new RaTlsEvidence(
                                            bundle, gpu.map(EvidenceSource.GpuEvidence::freshness), Optional.of(path)),
                                    k));
                }
            } catch (IOException | LedgerException | RuntimeException e) {
                RaTlsException x = new RaTlsException(
                        RaTlsException.Reason.EVIDENCE_UNAVAILABLE,
                        "while obtaining a batch report: " + e.getClass().getSimpleName(),
                        e);
                batch.forEach(p -> p.result.completeExceptionally(x));
            }
        }

        void close() {
            closed = true;
            thread.interrupt();
        }
    }
}
