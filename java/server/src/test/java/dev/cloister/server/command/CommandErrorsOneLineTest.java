package dev.cloister.server.command;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class CommandErrorsOneLineTest {

    @Test
    void aNestedClassNameWithADollarSignIsKeptLiterally() {
        assertEquals(
                "Outer$Inner refused; next line",
                CommandErrors.oneLine("dev.cloister.x.Outer$Inner refused\n  next line  \n"));
    }

    @Test
    void exceptionClassNamesAreDropped() {
        assertEquals("bad value", CommandErrors.oneLine("java.lang.IllegalArgumentException: bad value"));
    }
}
