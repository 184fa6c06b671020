/**
 * Implementation details shared by braid's core packages. Not exported from the
 * {@code dev.braid.core} module; not an API.
 */
package dev.braid.internal;
