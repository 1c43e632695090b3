package dev.cloister.server.command;

import dev.cloister.server.ListenAddress;
import picocli.CommandLine;

/** Parses a {@code HOST:PORT} option when the command line is read, so that picocli names the option of a bad one. */
public final class ListenArgument implements CommandLine.ITypeConverter<ListenAddress> {

    @Override
    public ListenAddress convert(String text) {
        try {
            return ListenAddress.parse(text);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.TypeConversionException(e.getMessage());
        }
    }
}
