package dev.cloister.ledger.entry;

import dev.cloister.ledger.FormatException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The digest of one file of a release's image, by its name in the image directory (e.g. {@code vmlinuz},
 * {@code initrd.cpio.zst}, {@code cmdline}). {@code struct { opaque name<1..255>; Digest digest; }}.
 */
public record ImageDigest(String name, Digest digest) {

    public ImageDigest {
        EnclaveRelease.checkText("image file name", name);
        if (name.contains("/") || name.equals(".") || name.equals("..")) {
            throw new IllegalArgumentException("image file name '" + name + "' is not a plain file name");
        }
    }

    void write(CanonicalWriter w) {
        w.string8(name);
        digest.write(w);
    }

    static ImageDigest read(CanonicalReader r) throws FormatException {
        String name = r.string8("image file name");
        Digest digest = Digest.read(r, "image file digest");
        return new ImageDigest(name, digest);
    }

    int compareName(ImageDigest o) {
        return Arrays.compareUnsigned(name.getBytes(StandardCharsets.UTF_8), o.name.getBytes(StandardCharsets.UTF_8));
    }
}
