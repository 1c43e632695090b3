package dev.cloister.tokens.store;

import dev.cloister.tokens.keys.Epoch;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.HexFormat;

/**
 * The child JVM of {@link FileSpentTokenStoreCrashTest}: spends random nonces from several threads forever and prints
 * "ACK &lt;hex&gt; END" for each nonce only after {@code spend} returned SPENT. The parent kills it with SIGKILL.
 */
public final class SpendingChild {
    private SpendingChild() {}

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        int threads = Integer.parseInt(args[1]);
        FileSpentTokenStore store = FileSpentTokenStore.open(dir);
        System.out.println("READY");
        System.out.flush();
        for (int t = 0; t < threads; t++) {
            Thread th = new Thread(() -> {
                SecureRandom random = new SecureRandom();
                byte[] nonce = new byte[32];
                while (true) {
                    random.nextBytes(nonce);
                    Epoch epoch = new Epoch(7 + (nonce[0] & 1));
                    try {
                        if (store.spend(epoch, nonce) == SpendResult.SPENT) {
                            String line = "ACK " + epoch.index() + " "
                                    + HexFormat.of().formatHex(nonce) + " END";
                            synchronized (System.out) {
                                System.out.println(line);
                                System.out.flush();
                            }
                        }
                    } catch (SpentTokenStoreException e) {
                        e.printStackTrace();
                        return;
                    }
                }
            });
            th.setDaemon(false);
            th.start();
        }
    }
}
