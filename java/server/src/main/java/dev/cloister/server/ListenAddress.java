package dev.cloister.server;

import java.util.Objects;

/** A {@code HOST:PORT} to listen on or connect to. Port 0 asks the system for a free port. */
public record ListenAddress(String host, int port) {

    public ListenAddress {
        Objects.requireNonNull(host, "host");
        if (host.isBlank()) throw new IllegalArgumentException("empty host");
        if (port < 0 || port > 65535) throw new IllegalArgumentException("port out of range: " + port);
    }

    /** Parses {@code HOST:PORT}, {@code [v6]:PORT}, or {@code :PORT} (meaning loopback). */
    public static ListenAddress parse(String text) {
        int colon = text.lastIndexOf(':');
        if (colon < 0) {
            throw new IllegalArgumentException("expected HOST:PORT, got '" + text + "'");
        }
        String host = text.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) host = host.substring(1, host.length() - 1);
        if (host.isEmpty()) host = "127.0.0.1";
        try {
            return new ListenAddress(host, Integer.parseInt(text.substring(colon + 1)));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("port is not a number in '" + text + "'");
        }
    }

    /**
     * Whether {@code host} is an address only a private network reaches: {@code localhost}, a loopback, RFC 1918,
     * link-local or IPv6 unique-local (fc00::/7) literal. A wildcard ({@code 0.0.0.0}, {@code ::}), a public address or
     * any other name (not resolved here) is not.
     */
    public boolean isPrivate() {
        if (host.equals("localhost")) return true;
        java.net.InetAddress address;
        try {
            address = java.net.InetAddress.ofLiteral(host);
        } catch (IllegalArgumentException e) {
            return false;
        }
        if (address.isAnyLocalAddress()) return false;
        byte[] bytes = address.getAddress();
        boolean uniqueLocal = bytes.length == 16 && (bytes[0] & 0xfe) == 0xfc;
        return address.isLoopbackAddress()
                || address.isSiteLocalAddress()
                || address.isLinkLocalAddress()
                || uniqueLocal;
    }

    @Override
    public String toString() {
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
    }
}
