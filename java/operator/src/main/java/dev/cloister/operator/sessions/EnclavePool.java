package dev.cloister.operator.sessions;

import dev.cloister.attest.AttestationResult;
import java.net.URI;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The enclaves the gateway may route new sessions to: only enclaves whose attestation the gateway verified when they
 * registered, and that still answer. A new session goes to one of them chosen uniformly at random with a CSPRNG
 * (non-targetability: nothing the client sends influences the choice).
 */
public final class EnclavePool {

    /** An admitted enclave: its internal session endpoint and what its attestation established. */
    public record Member(String id, URI sessions, AttestationResult attestation, Instant admittedAt) {
        public Member {
            Objects.requireNonNull(id);
            Objects.requireNonNull(sessions);
            Objects.requireNonNull(attestation);
        }
    }

    private final Map<String, Member> members = new ConcurrentHashMap<>();
    private final SecureRandom random;

    public EnclavePool(SecureRandom random) {
        this.random = random;
    }

    /** Admits an enclave whose attestation was verified (the caller verified it: see {@code EnclaveRegistration}). */
    public void admit(Member member) {
        members.put(member.id(), member);
    }

    /** Removes an enclave (it failed a health check, or a forward to it failed). */
    public void remove(String id) {
        members.remove(id);
    }

    public Optional<Member> member(String id) {
        return Optional.ofNullable(members.get(id));
    }

    public List<Member> members() {
        return List.copyOf(members.values());
    }

    /** A member chosen uniformly at random, or empty when none is admitted. */
    public Optional<Member> pick() {
        List<Member> current = members();
        if (current.isEmpty()) return Optional.empty();
        return Optional.of(current.get(random.nextInt(current.size())));
    }
}
