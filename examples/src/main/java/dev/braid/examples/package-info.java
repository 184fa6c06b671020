/**
 * Runnable examples, one class per real-world scenario; {@link dev.braid.examples.Tour}
 * runs them all.
 */
package dev.braid.examples;
