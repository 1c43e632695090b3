package dev.cloister.protocol.openai;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Server-sent events ({@code text/event-stream}, WHATWG HTML, section 9.2) as the OpenAI API streams them: each event
 * one {@code data: } line and a blank line; the stream ends with {@code data: [DONE]}. The {@link Decoder} reads the
 * general syntax (CR, LF or CRLF line ends, comments, other fields ignored, several data lines joined with LF) and
 * refuses a line or event longer than its limit before it grows further.
 */
public final class ServerSentEvents {

    /** The data of the OpenAI API's last event. */
    public static final String DONE = "[DONE]";

    private ServerSentEvents() {}

    /** One event carrying {@code data} (which holds no line break: a JSON document as encoded). */
    public static byte[] event(String data) {
        if (data.indexOf('\n') >= 0 || data.indexOf('\r') >= 0) {
            throw new IllegalArgumentException("event data spans lines");
        }
        return ("data: " + data + "\n\n").getBytes(StandardCharsets.UTF_8);
    }

    /** An event stream cannot be read (too long an event); the reason never quotes the stream. */
    public static final class Malformed extends Exception {
        private static final long serialVersionUID = 1L;

        public Malformed(String reason) {
            super(reason);
        }
    }

    /** Reads events from bytes as they arrive; at most {@code maxEventBytes} per line and per event. */
    public static final class Decoder {
        private final int maxEventBytes;
        private final ByteArrayOutputStream line = new ByteArrayOutputStream();
        private final StringBuilder data = new StringBuilder();
        private boolean hasData;
        private boolean lastWasCr;
        private boolean failed;

        public Decoder(int maxEventBytes) {
            if (maxEventBytes < 1) throw new IllegalArgumentException("event limit must be positive");
            this.maxEventBytes = maxEventBytes;
        }

        /** The data of each event completed by {@code bytes}. */
        public List<String> offer(byte[] bytes) throws Malformed {
            if (failed) throw new Malformed("the event stream already failed");
            List<String> events = new ArrayList<>();
            for (byte b : bytes) {
                if (b == '\n' && lastWasCr) {
                    lastWasCr = false;
                    continue; // the LF of a CRLF
                }
                lastWasCr = b == '\r';
                if (b == '\n' || b == '\r') {
                    endLine(events);
                } else {
                    if (line.size() >= maxEventBytes) {
                        failed = true;
                        throw new Malformed("an event stream line exceeds " + maxEventBytes + " bytes");
                    }
                    line.write(b);
                }
            }
            return events;
        }

        /** Whether the stream ended between events (an unterminated event is dropped, as the standard says). */
        public boolean atEventBoundary() {
            return line.size() == 0 && !hasData;
        }

        private void endLine(List<String> events) throws Malformed {
            String text = line.toString(StandardCharsets.UTF_8);
            line.reset();
            if (text.isEmpty()) {
                if (hasData) events.add(data.toString());
                data.setLength(0);
                hasData = false;
                return;
            }
            if (text.startsWith(":")) return; // a comment
            int colon = text.indexOf(':');
            String field = colon < 0 ? text : text.substring(0, colon);
            String value = colon < 0 ? "" : text.substring(colon + 1);
            if (value.startsWith(" ")) value = value.substring(1);
            if (!field.equals("data")) return; // event, id, retry: not used by this API
            if (hasData) data.append('\n');
            data.append(value);
            hasData = true;
            if (data.length() > maxEventBytes) {
                failed = true;
                throw new Malformed("an event exceeds " + maxEventBytes + " bytes");
            }
        }
    }
}
