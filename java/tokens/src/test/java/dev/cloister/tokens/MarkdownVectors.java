package dev.cloister.tokens;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the "name: value" test vectors of the Privacy Pass RFC markdown (the text between ~~~ fences): blocks are
 * separated by blank lines, long values are folded onto following lines, which are joined without separators.
 */
public final class MarkdownVectors {
    private static final Pattern KEY = Pattern.compile("^([A-Za-z][A-Za-z0-9_-]*):(?: (.*))?$");

    private MarkdownVectors() {}

    /** Every block in every fenced section, as ordered maps; comment lines ("//") are dropped. */
    public static List<Map<String, String>> blocks(String markdown) {
        List<Map<String, String>> out = new ArrayList<>();
        boolean inFence = false;
        Map<String, String> current = new LinkedHashMap<>();
        String lastKey = null;
        for (String raw : markdown.split("\n", -1)) {
            String line = raw.stripTrailing();
            if (line.startsWith("~~~")) {
                inFence = !inFence;
                if (!current.isEmpty()) {
                    out.add(current);
                }
                current = new LinkedHashMap<>();
                lastKey = null;
                continue;
            }
            if (!inFence) {
                continue;
            }
            if (line.isEmpty()) {
                lastKey = null;
                continue;
            }
            if (line.startsWith("//")) {
                if (!current.isEmpty()) {
                    out.add(current);
                    current = new LinkedHashMap<>();
                }
                lastKey = null;
                continue;
            }
            Matcher m = KEY.matcher(line);
            if (m.matches() && !(lastKey != null && lastKey.equals("WWW-Authenticate"))) {
                lastKey = m.group(1);
                if (current.containsKey(lastKey)) {
                    out.add(current);
                    current = new LinkedHashMap<>();
                }
                current.put(lastKey, m.group(2) == null ? "" : m.group(2));
            } else if (m.matches() && lastKey.equals("WWW-Authenticate") && isVectorKey(m.group(1))) {
                lastKey = m.group(1);
                current.put(lastKey, m.group(2) == null ? "" : m.group(2));
            } else if (lastKey != null) {
                current.put(lastKey, current.get(lastKey) + line);
            } else {
                throw new AssertionError("continuation line without a key: " + line);
            }
        }
        if (!current.isEmpty()) {
            out.add(current);
        }
        return out;
    }

    private static boolean isVectorKey(String k) {
        return k.startsWith("token-") || k.startsWith("max-age");
    }
}
