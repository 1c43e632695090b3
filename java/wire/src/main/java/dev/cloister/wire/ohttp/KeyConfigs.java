package dev.cloister.wire.ohttp;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * The {@code application/ohttp-keys} format (RFC 9458 §3.2): key configurations, each prefixed by its 16-bit length.
 * A client ignores configurations whose KEM or algorithms it does not implement; anything structurally wrong is
 * refused.
 */
public final class KeyConfigs {

    /** More configurations than this in one list is refused. */
    public static final int MAX_CONFIGS = 256;

    private KeyConfigs() {}

    public static byte[] encode(List<KeyConfig> configs) {
        if (configs.size() > MAX_CONFIGS) {
            throw new IllegalArgumentException("more than " + MAX_CONFIGS + " key configurations");
        }
        int size = 0;
        for (KeyConfig c : configs) size += 2 + c.encodedLength();
        ByteBuffer out = ByteBuffer.allocate(size);
        for (KeyConfig c : configs) {
            out.putShort((short) c.encodedLength());
            c.encodeTo(out);
        }
        return out.array();
    }

    /** Parses a list; configurations with unsupported algorithms are left out. */
    public static List<KeyConfig> decode(byte[] bytes) throws OhttpException {
        ByteBuffer in = ByteBuffer.wrap(bytes);
        List<KeyConfig> configs = new ArrayList<>();
        int seen = 0;
        while (in.hasRemaining()) {
            if (++seen > MAX_CONFIGS) {
                throw new OhttpException(
                        OhttpException.Reason.TOO_LARGE, "ohttp-keys: more than " + MAX_CONFIGS + " configurations");
            }
            if (in.remaining() < 2) {
                throw new OhttpException(OhttpException.Reason.MALFORMED, "ohttp-keys: truncated length prefix");
            }
            int length = in.getShort() & 0xffff;
            if (length > in.remaining()) {
                throw new OhttpException(
                        OhttpException.Reason.MALFORMED,
                        "ohttp-keys: configuration of " + length + " bytes but " + in.remaining() + " left");
            }
            ByteBuffer one = in.slice(in.position(), length);
            in.position(in.position() + length);
            KeyConfig.Parsed parsed = KeyConfig.parse(one, KeyConfig.Unsupported.SKIP);
            if (parsed.config() != null) {
                configs.add(parsed.config());
            }
        }
        return List.copyOf(configs);
    }
}
