package dev.cloister.protocol;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** The tone a rewrite aims for. */
public enum Tone {
    FRIENDLY,
    FORMAL,
    CONCISE;

    /** The name on the wire and on the command line. */
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The tone named {@code name}; an unknown name is refused with the names that are known (never echoed). */
    public static Tone parse(String name) throws AssistantRequest.Invalid {
        for (Tone tone : values()) {
            if (tone.wireName().equals(name)) {
                return tone;
            }
        }
        throw new AssistantRequest.Invalid(400, "tone must be one of " + names());
    }

    public static String names() {
        return Arrays.stream(values()).map(Tone::wireName).collect(Collectors.joining(", "));
    }
}
