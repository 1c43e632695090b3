package dev.cloister.ledger.log;

import dev.cloister.ledger.note.Ed25519NoteSigner;
import dev.cloister.ledger.note.Ed25519PrivateKey;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * The child JVM of {@link SequencerCrashTest}: appends batches of entries {@code "entry <index>"} to the log in
 * {@code args[0]} forever and prints {@code ACK <last index>} after each append returns. The parent kills it with
 * SIGKILL at a random moment.
 */
public final class SequencerCrashChild {

    static final String ORIGIN = "ledger.cloister.example/crash";
    static final byte[] SEED = new byte[32];

    static Ed25519NoteSigner signer() {
        return new Ed25519NoteSigner(ORIGIN, Ed25519PrivateKey.fromSeed(SEED));
    }

    static byte[] entry(long index) {
        return ("entry " + index).getBytes(StandardCharsets.UTF_8);
    }

    public static void main(String[] args) throws Exception {
        Sequencer seq = Sequencer.open(LogStorage.open(Path.of(args[0])), ORIGIN, signer());
        Random random = new Random(Long.parseLong(args[1]));
        System.out.println("OPEN " + seq.size());
        System.out.flush();
        while (true) {
            int n = 1 + random.nextInt(600);
            long first = seq.size();
            List<byte[]> batch = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                batch.add(entry(first + i));
            }
            Sequencer.Appended a = seq.append(batch);
            System.out.println("ACK " + (a.firstIndex() + a.count() - 1));
            System.out.flush();
        }
    }
}
