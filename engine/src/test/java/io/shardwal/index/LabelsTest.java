package io.shardwal.index;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;

class LabelsTest
{
    @Test
    void shouldSortLabelsByNameWhateverTheInputOrder()
    {
        final Labels a = Labels.of("job", "node", "__name__", "up", "instance", "h:9100");
        final Labels b = Labels.builder().add("instance", "h:9100").add("job", "node").add("__name__", "up").build();
        assertEquals(a, b);
        assertEquals(a.hashCode(), b.hashCode());
        assertEquals("__name__", a.name(0));
        assertEquals("instance", a.name(1));
        assertEquals("job", a.name(2));
        assertEquals("{__name__=\"up\", instance=\"h:9100\", job=\"node\"}", a.toString());
    }

    @Test
    void shouldTreatAnEmptyValueAsAnAbsentLabel()
    {
        final Labels labels = Labels.of("a", "1", "b", "", "c", "3");
        assertEquals(Labels.of("a", "1", "c", "3"), labels);
        assertEquals("", labels.get("b"));
        assertEquals("", labels.get("missing"));
        assertSame(Labels.EMPTY, Labels.of("a", ""));
    }

    @Test
    void shouldRejectDuplicateLabelNamesNamingTheLabel()
    {
        final IllegalArgumentException e =
            assertThrows(IllegalArgumentException.class, () -> Labels.of("a", "1", "zone", "x", "zone", "y"));
        assertEquals("duplicate label name 'zone'", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Labels.of("a", "1", "a", ""),
            "a duplicate is an error even when one of the values is empty");
    }

    @Test
    void shouldRejectEmptyOrNullLabelNamesAndNullValues()
    {
        final IllegalArgumentException e =
            assertThrows(IllegalArgumentException.class, () -> Labels.of("a", "1", "", "x"));
        assertEquals("label name at position 1 is empty (value \"x\")", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Labels.of("a", "1", null, "x"));
        final IllegalArgumentException nullValue =
            assertThrows(IllegalArgumentException.class, () -> Labels.of("a", null));
        assertEquals("label 'a' has a null value", nullValue.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Labels.of("a"));
    }

    @Test
    void shouldBuildFromAMapAndReplaceWithWith()
    {
        final Map<String, String> map = new LinkedHashMap<>();
        map.put("z", "1");
        map.put("a", "2");
        final Labels labels = Labels.of(map);
        assertEquals(Labels.of("a", "2", "z", "1"), labels);
        assertEquals(Labels.of("a", "3", "z", "1"), labels.with("a", "3"));
        assertEquals(Labels.of("z", "1"), labels.with("a", ""));
        assertNotEquals(labels, labels.with("b", "x"));
    }

    @Test
    void shouldSortManyLabels()
    {
        final Labels.Builder builder = Labels.builder();
        for (int i = 40; i > 0; i--)
        {
            builder.add(String.format("n%02d", i), "v" + i);
        }
        final Labels labels = builder.build();
        assertEquals(40, labels.size());
        for (int i = 1; i < labels.size(); i++)
        {
            assertTrue(labels.name(i - 1).compareTo(labels.name(i)) < 0);
            assertEquals("v" + (i + 1), labels.value(i));
        }
    }

    @Test
    void shouldEscapeValuesInToString()
    {
        assertEquals("{a=\"x\\\"y\\\\z\\n\"}", Labels.of("a", "x\"y\\z\n").toString());
    }
}
