/**
 * Values every Cloister library shares, with no dependency beyond the JDK: {@link dev.cloister.base.Bytes} (an
 * immutable byte string with value equality), {@link dev.cloister.base.SecretBytes} (key material whose every read is
 * an explicit, searchable call), {@link dev.cloister.base.Hex} and {@link dev.cloister.base.Pem} (strict, bounded
 * parsers of the two text encodings of bytes that the libraries read).
 */
package dev.cloister.base;
