package dev.cloister.infer.model.testmodel;

/**
 * What a test model is: its architecture, shape, weight type and the seed of its random weights. The same spec and
 * vocabulary always give the same bytes.
 */
public record TestModelSpec(
        TestModelArchitecture architecture, TestModelShape shape, TestModelFileType fileType, long seed) {

    public static TestModelSpec of(String architecture, String shape, String fileType, long seed) {
        TestModelArchitecture arch = TestModelArchitecture.of(architecture);
        return new TestModelSpec(arch, TestModelShape.of(shape, arch), TestModelFileType.of(fileType), seed);
    }

    /** {@code general.name}: the spec in words. */
    public String name() {
        return "cloister-test-" + architecture.label() + "-" + shape.name() + "-" + fileType.label() + "-seed" + seed;
    }
}
