package dev.cloister.server;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ListenAddressTest {

    @Test
    void privateAddressesAreLoopbackRfc1918LinkLocalAndUniqueLocal() {
        for (String host : new String[] {
            "localhost",
            "127.0.0.1",
            "::1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.1.1",
            "fe80::1",
            "fd00::5"
        }) {
            assertTrue(
                    ListenAddress.parse(host.contains(":") ? "[" + host + "]:1" : host + ":1")
                            .isPrivate(),
                    host);
        }
    }

    @Test
    void wildcardsPublicAddressesAndNamesAreNot() {
        for (String host : new String[] {
            "0.0.0.0", "::", "8.8.8.8", "172.32.0.1", "2001:db8::1", "enclave.example", "10.0.0.1.example"
        }) {
            assertFalse(
                    ListenAddress.parse(host.contains(":") ? "[" + host + "]:1" : host + ":1")
                            .isPrivate(),
                    host);
        }
    }
}
