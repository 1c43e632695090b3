/**
 * Binary HTTP messages, RFC 9292: the {@code message/bhttp} format that Oblivious HTTP (RFC 9458) encapsulates and
 * that Cloister also speaks inside the attested TLS session.
 *
 * <p>{@link dev.cloister.wire.bhttp.BinaryRequest} and {@link dev.cloister.wire.bhttp.BinaryResponse} decode and encode
 * whole messages in both framings (RFC 9292 §3.3); {@link dev.cloister.wire.bhttp.IndeterminateResponseWriter} emits
 * an indeterminate-length response piece by piece. Decoding is bounded by {@link dev.cloister.wire.bhttp.BhttpLimits}:
 * every length is checked against the input left and against a limit before anything is allocated. Every invalid
 * message (RFC 9292 §4) is reported as a {@link dev.cloister.wire.bhttp.BhttpException} whose message names the place
 * and never contains the message's bytes.
 */
package dev.cloister.wire.bhttp;
