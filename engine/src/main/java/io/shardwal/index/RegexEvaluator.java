package io.shardwal.index;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;

/**
 * Runs one matcher's regex over many values with a bounded number of steps per value and without allocating per
 * value: values (heap strings or UTF-8 bytes in a shard's arena) are decoded into a reused {@code char[]} that the
 * regex reads through a counting {@link CharSequence}. A regex that inspects more than
 * {@link Matcher#REGEX_STEP_BUDGET} characters for one value (catastrophic backtracking) or overflows the stack is
 * reported as an {@link IllegalArgumentException} naming the matcher.
 *
 * <p>Confined to one thread.
 */
final class RegexEvaluator implements CharSequence
{
    private static final BudgetExceeded BUDGET_EXCEEDED = new BudgetExceeded();

    private final Matcher matcher;
    private final java.util.regex.Matcher regex;
    private char[] chars = new char[64];
    private int length;
    private long steps;

    RegexEvaluator(final Matcher matcher)
    {
        this.matcher = matcher;
        this.regex = matcher.pattern.matcher(this);
    }

    /** Whether the regex (not negated) matches {@code value}. */
    boolean matches(final String value)
    {
        ensure(value.length());
        value.getChars(0, value.length(), chars, 0);
        length = value.length();
        return run();
    }

    /** Whether the regex (not negated) matches the UTF-8 string {@code segment[offset, offset + byteLength)}. */
    boolean matches(final MemorySegment segment, final long offset, final int byteLength)
    {
        ensure(byteLength);
        int n = 0;
        long p = offset;
        final long end = offset + byteLength;
        while (p < end)
        {
            final int b = segment.get(ValueLayout.JAVA_BYTE, p++);
            if (b >= 0)
            {
                chars[n++] = (char)b;
            }
            else if ((b & 0xE0) == 0xC0)
            {
                chars[n++] = (char)(((b & 0x1F) << 6) | (segment.get(ValueLayout.JAVA_BYTE, p++) & 0x3F));
            }
            else if ((b & 0xF0) == 0xE0)
            {
                final int b1 = segment.get(ValueLayout.JAVA_BYTE, p++) & 0x3F;
                final int b2 = segment.get(ValueLayout.JAVA_BYTE, p++) & 0x3F;
                chars[n++] = (char)(((b & 0x0F) << 12) | (b1 << 6) | b2);
            }
            else
            {
                final int b1 = segment.get(ValueLayout.JAVA_BYTE, p++) & 0x3F;
                final int b2 = segment.get(ValueLayout.JAVA_BYTE, p++) & 0x3F;
                final int b3 = segment.get(ValueLayout.JAVA_BYTE, p++) & 0x3F;
                final int cp = ((b & 0x07) << 18) | (b1 << 12) | (b2 << 6) | b3;
                chars[n++] = Character.highSurrogate(cp);
                chars[n++] = Character.lowSurrogate(cp);
            }
        }
        length = n;
        return run();
    }

    private boolean run()
    {
        steps = 0;
        try
        {
            regex.reset(this);
            return regex.matches();
        }
        catch (final BudgetExceeded e)
        {
            throw new IllegalArgumentException("regex of matcher " + matcher + " inspected more than " +
                Matcher.REGEX_STEP_BUDGET + " characters on one value of length " + length +
                " (catastrophic backtracking); simplify the regex");
        }
        catch (final StackOverflowError e)
        {
            throw new IllegalArgumentException("regex of matcher " + matcher +
                " overflowed the stack on one value of length " + length + "; simplify the regex");
        }
    }

    private void ensure(final int capacity)
    {
        if (chars.length < capacity)
        {
            chars = Arrays.copyOf(chars, Math.max(capacity, chars.length * 2));
        }
    }

    @Override
    public int length()
    {
        return length;
    }

    @Override
    public char charAt(final int index)
    {
        if (++steps > Matcher.REGEX_STEP_BUDGET)
        {
            throw BUDGET_EXCEEDED;
        }
        if (index >= length)
        {
            throw new IndexOutOfBoundsException(index);
        }
        return chars[index];
    }

    @Override
    public CharSequence subSequence(final int start, final int end)
    {
        return new String(chars, start, end - start);
    }

    @Override
    public String toString()
    {
        return new String(chars, 0, length);
    }

    /** Thrown from {@link #charAt(int)} to abort a runaway match; preallocated, no stack trace. */
    private static final class BudgetExceeded extends RuntimeException
    {
        private static final long serialVersionUID = 1L;

        BudgetExceeded()
        {
            super("regex step budget exceeded", null, false, false);
        }
    }
}
