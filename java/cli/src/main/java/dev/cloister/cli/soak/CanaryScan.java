package dev.cloister.cli.soak;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Looks for a plaintext canary in every regular file under a directory (logs, ledger tiles, witness state, Redis's
 * append-only file, the client's request log): the files that contain it.
 */
public final class CanaryScan {

    private CanaryScan() {}

    public static List<Path> filesContaining(Path root, String canary) throws IOException {
        byte[] needle = canary.getBytes(StandardCharsets.UTF_8);
        List<Path> found = new ArrayList<>();
        List<Path> files;
        try (Stream<Path> walk = Files.walk(root)) {
            files = walk.filter(Files::isRegularFile).toList();
        }
        for (Path file : files) {
            if (contains(file, needle)) found.add(file);
        }
        return found;
    }

    /** Whether {@code file} holds {@code needle}, read in blocks (any size of file). */
    static boolean contains(Path file, byte[] needle) throws IOException {
        byte[] block = new byte[1 << 16];
        int carried = 0;
        try (InputStream in = Files.newInputStream(file)) {
            while (true) {
                int n = in.read(block, carried, block.length - carried);
                if (n < 0) return false;
                int length = carried + n;
                if (indexOf(block, length, needle) >= 0) return true;
                carried = Math.min(needle.length - 1, length);
                System.arraycopy(block, length - carried, block, 0, carried);
            }
        }
    }

    private static int indexOf(byte[] haystack, int length, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) continue outer;
            }
            return i;
        }
        return -1;
    }
}
