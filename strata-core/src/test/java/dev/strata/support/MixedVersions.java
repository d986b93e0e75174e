package dev.strata.support;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A test of the version matrix on layouts that mix PostgreSQL versions: run once per {@link
 * MatrixVersions.Mixed} layout (a coordinator of one version, archives of others), the layout
 * passed as its argument. A layout whose versions the run did not select is skipped. Recorded like
 * {@link VersionMatrix}.
 */
@Target(ElementType.METHOD)
@Retention(RetentionPolicy.RUNTIME)
@ParameterizedTest(name = "{0}")
@MethodSource("dev.strata.support.MatrixVersions#mixed")
@Tag("matrix")
@ExtendWith(MatrixResults.class)
public @interface MixedVersions {
  /** The suite the test belongs to in the results. */
  String suite();
}
