package dev.strata.config;

import java.util.List;
import java.util.Objects;

/**
 * What {@link ConfigLoader} returns: the validated configuration and the warnings about settings
 * that are legal but probably not what the user wants (a literal password in the file, an {@code
 * archive_to} without {@code hot}, a {@code STRATA_} variable that names no setting). Warnings are
 * formatted like problems, {@code KEY.PATH (LOCATION): message}; the command line prints them to
 * standard error and carries on.
 */
public record LoadedConfig(StrataConfig config, List<String> warnings) {
  public LoadedConfig {
    Objects.requireNonNull(config, "config");
    warnings = List.copyOf(warnings);
  }
}
