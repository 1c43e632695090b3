package dev.cloister.tokens.ec;

import java.util.function.Supplier;

/** Runs a piece of test code with AWS-LC turned off ({@link AwsLcKeyMultiplier#ENABLED_PROPERTY}), then restores it. */
public final class AwsLcSwitch {
    private AwsLcSwitch() {}

    public static <T> T withAwsLcOff(Supplier<T> body) {
        String before = System.getProperty(AwsLcKeyMultiplier.ENABLED_PROPERTY);
        System.setProperty(AwsLcKeyMultiplier.ENABLED_PROPERTY, "false");
        try {
            return body.get();
        } finally {
            if (before == null) {
                System.clearProperty(AwsLcKeyMultiplier.ENABLED_PROPERTY);
            } else {
                System.setProperty(AwsLcKeyMultiplier.ENABLED_PROPERTY, before);
            }
        }
    }
}
