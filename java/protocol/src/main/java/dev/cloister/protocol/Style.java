package dev.cloister.protocol;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** How a summary is written. */
public enum Style {
    BRIEF,
    BULLETS,
    DETAILED;

    /** The name on the wire and on the command line. */
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The style named {@code name}; an unknown name is refused with the names that are known (never echoed). */
    public static Style parse(String name) throws AssistantRequest.Invalid {
        for (Style style : values()) {
            if (style.wireName().equals(name)) {
                return style;
            }
        }
        throw new AssistantRequest.Invalid(400, "style must be one of " + names());
    }

    public static String names() {
        return Arrays.stream(values()).map(Style::wireName).collect(Collectors.joining(", "));
    }
}
