package dev.swerun.semver;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class ParseTest {
    @Test
    void parsesThreeParts() {
        assertEquals(new Version(1, 4, 2), Version.parse("1.4.2"));
    }

    @Test
    void missingPartsAreZero() {
        assertEquals(new Version(2, 0, 0), Version.parse("2"));
    }
}
