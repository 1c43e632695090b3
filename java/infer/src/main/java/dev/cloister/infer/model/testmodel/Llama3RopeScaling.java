package dev.cloister.infer.model.testmodel;

/**
 * Llama 3.1's rope scaling ({@code rope_type = llama3} in a Hugging Face config): frequencies whose wavelength is
 * shorter than {@code originalContextLength / highFrequencyFactor} are kept, those longer than {@code
 * originalContextLength / lowFrequencyFactor} are divided by {@code factor}, and those between are interpolated. GGUF
 * carries the outcome as {@code rope_freqs.weight}: one divisor per rotated pair.
 */
public record Llama3RopeScaling(
        double factor, double lowFrequencyFactor, double highFrequencyFactor, int originalContextLength) {

    /** Llama 3.1 / 3.2's values. */
    public static final Llama3RopeScaling LLAMA_3_2 = new Llama3RopeScaling(32, 1, 4, 8192);

    public Llama3RopeScaling {
        if (!(factor >= 1) || !(lowFrequencyFactor > 0) || !(highFrequencyFactor > lowFrequencyFactor)) {
            throw new IllegalArgumentException("rope scaling needs factor >= 1 and 0 < low < high frequency factors");
        }
        if (originalContextLength < 1) {
            throw new IllegalArgumentException("original context length must be positive");
        }
    }

    /** The divisor of each of the {@code headSize / 2} frequencies {@code theta^(-2i / headSize)}. */
    public float[] frequencyDivisors(int headSize, double theta) {
        float[] divisors = new float[headSize / 2];
        double lowWavelength = originalContextLength / lowFrequencyFactor;
        double highWavelength = originalContextLength / highFrequencyFactor;
        for (int i = 0; i < divisors.length; i++) {
            double frequency = 1.0 / StrictMath.pow(theta, 2.0 * i / headSize);
            double wavelength = 2 * StrictMath.PI / frequency;
            double divisor;
            if (wavelength < highWavelength) {
                divisor = 1;
            } else if (wavelength > lowWavelength) {
                divisor = factor;
            } else {
                double smooth = (originalContextLength / wavelength - lowFrequencyFactor)
                        / (highFrequencyFactor - lowFrequencyFactor);
                divisor = 1 / ((1 - smooth) / factor + smooth);
            }
            divisors[i] = (float) divisor;
        }
        return divisors;
    }
}
