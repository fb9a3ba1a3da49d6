package io.shardwal.nativetests;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import org.junit.jupiter.api.Tag;

/** A long crash or stress run: excluded by default, the only thing {@code ./mvnw verify -Psoak} runs. */
@Target({ElementType.TYPE, ElementType.METHOD})
@Retention(RetentionPolicy.RUNTIME)
@Tag("soak")
@Tag("slow")
public @interface Soak
{
}
