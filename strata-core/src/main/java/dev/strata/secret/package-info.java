/**
 * Secrets as values that print only where they came from. A package of its own so that both the
 * configuration (which reads them) and SQL rendering (which binds or masks them) depend on it, and
 * not on each other.
 */
package dev.strata.secret;
